import { readdirSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { isDeniedError, isGoneError } from './proc-read.js';
import { probeSupport, type Unsupported } from './support.js';

let sizeCounts: boolean | undefined;

/**
 * Whether st_size of /proc/PID/fd is the number of open fds (Linux ≥ 6.2; older kernels say 0).
 * Decided once by comparing it with a listing of our own fds.
 */
export function fdDirSizeCounts(): boolean {
  if (sizeCounts === undefined) {
    try {
      const size = statSync('/proc/self/fd').size;
      // The listing itself holds one more fd (the open directory); other threads may open a few.
      const listed = readdirSync('/proc/self/fd').length;
      sizeCounts = size > 0 && Math.abs(listed - 1 - size) <= 3;
    } catch {
      sizeCounts = false;
    }
  }
  return sizeCounts;
}

/** Number of open fds of a process (one stat on recent kernels, else a listing); null if it is gone or unreadable. */
export async function countFds(pid: number): Promise<number | null | Unsupported> {
  const unsupported = probeSupport();
  if (unsupported) return unsupported;
  const dir = `/proc/${pid}/fd`;
  try {
    if (fdDirSizeCounts()) return (await stat(dir)).size;
    return (await readdir(dir)).length;
  } catch (err) {
    if (isGoneError(err) || isDeniedError(err)) return null;
    throw err;
  }
}

/** countFds without the thread pool (one stat of procfs: microseconds, never blocks); null if gone. */
export function countFdsSync(pid: number): number | null {
  const dir = `/proc/${pid}/fd`;
  try {
    return fdDirSizeCounts() ? statSync(dir).size : readdirSync(dir).length;
  } catch (err) {
    if (isGoneError(err) || isDeniedError(err)) return null;
    throw err;
  }
}
