import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { VigilError, errorMessage } from '../errors.js';
import { nativeMkfifo } from '../supervisor/native-spawn.js';

/** Makes sure `path` is a FIFO (mode 600), replacing anything else found there. */
export function ensureFifo(path: string): void {
  ensureFifos([path]);
}

/**
 * Makes sure every path is a FIFO (mode 600). Node has no mkfifo: the missing ones are made by the native
 * addon where it is built, else by one `mkfifo` run for all of them (starting 100 services costs one
 * process, not 200).
 */
export function ensureFifos(paths: readonly string[]): void {
  const missing: string[] = [];
  const dirs = new Set<string>();
  for (const path of paths) {
    try {
      if (lstatSync(path).isFIFO()) continue;
      rmSync(path, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const dir = dirname(path);
    if (!dirs.has(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
    dirs.add(dir);
    missing.push(path);
  }
  if (missing.length === 0) return;
  try {
    // The native addon makes them without starting a process; else one mkfifo(1) run makes them all.
    if (nativeMkfifos(missing)) return;
    execFileSync('mkfifo', ['-m', '600', '--', ...missing], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new VigilError(
      'LOG_MKFIFO_FAILED',
      `cannot create the log FIFO ${missing.join(', ')}: ${errorMessage(err)}`,
      { path: missing[0] },
    );
  }
}

function nativeMkfifos(paths: string[]): boolean {
  for (const p of paths) if (!nativeMkfifo(p)) return false;
  return true;
}
