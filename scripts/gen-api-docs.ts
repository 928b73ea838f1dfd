// Writes docs/api.md, the HTTP API reference, from src/api/docs.ts and the routes' zod schemas.
// Usage: npx tsx scripts/gen-api-docs.ts [--check]   (--check: exit 1 if the file is out of date)
import { readFileSync, writeFileSync } from 'node:fs';
import { renderApiDocs } from '../src/api/docs.js';

const target = new URL('../docs/api.md', import.meta.url);
const text = renderApiDocs();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as out of date
  }
  if (current !== text) {
    console.error('docs/api.md is out of date: run npx tsx scripts/gen-api-docs.ts');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target.pathname}`);
}
