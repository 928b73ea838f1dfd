// Writes docs/config.md, the vigil.yaml reference, from the schema in src/config/schema.ts.
// Usage: npx tsx scripts/gen-config-docs.ts [--check]   (--check: exit 1 if the file is out of date)
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigDocs } from '../src/config/docs.js';

const target = new URL('../docs/config.md', import.meta.url);
const text = renderConfigDocs();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as out of date
  }
  if (current !== text) {
    console.error('docs/config.md is out of date: run npx tsx scripts/gen-config-docs.ts');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target.pathname}`);
}
