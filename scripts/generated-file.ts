// Writes a generated documentation file, or with --check exits 1 when the committed one is out of date.
import { readFileSync, writeFileSync } from 'node:fs';

/** `relPath` is relative to the repository root; `script` is the command that regenerates it. */
export function writeOrCheck(relPath: string, text: string, script: string): void {
  const target = new URL(`../${relPath}`, import.meta.url);
  if (!process.argv.includes('--check')) {
    writeFileSync(target, text);
    console.log(`wrote ${target.pathname}`);
    return;
  }
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as out of date
  }
  if (current !== text) {
    console.error(`${relPath} is out of date: run npx tsx ${script}`);
    process.exit(1);
  }
}
