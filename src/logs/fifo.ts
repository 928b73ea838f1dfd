import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { VigilError, errorMessage } from '../errors.js';

/** Makes sure `path` is a FIFO (mode 600), replacing anything else found there. */
export function ensureFifo(path: string): void {
  try {
    if (lstatSync(path).isFIFO()) return;
    rmSync(path, { recursive: true, force: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    execFileSync('mkfifo', ['-m', '600', path], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new VigilError('LOG_MKFIFO_FAILED', `cannot create the log FIFO ${path}: ${errorMessage(err)}`, {
      path,
    });
  }
}
