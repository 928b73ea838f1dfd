import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding package.json), found from this compiled file's location. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

/** Path of a test fixture (test/fixtures/...), in the source tree, not dist. */
export function fixture(...parts: string[]): string {
  return join(repoRoot(), 'test', 'fixtures', ...parts);
}

/** The `vigil` executable of this checkout. */
export function vigilBin(): string {
  return join(repoRoot(), 'bin', 'vigil.js');
}
