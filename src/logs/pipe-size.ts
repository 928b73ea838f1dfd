import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { nativePipeSize, nativeSpawnStatus } from '../supervisor/native-spawn.js';

/** Linux's fcntl command that sets a pipe's capacity (F_LINUX_SPECIFIC_BASE + 7). */
const F_SETPIPE_SZ = 1031;
/** Capacity asked for a busy log pipe (Linux's default `pipe-max-size`; the default capacity is 64 KiB). */
export const BUSY_PIPE_BYTES = 1024 * 1024;

/**
 * Node cannot call fcntl: Vigil's native addon does it where it is built; otherwise a short-lived helper
 * holding the FIFO as its stdin does it. Each is a
 * one-liner of an interpreter found on most Linux systems (perl is part of Debian's essential set);
 * when none is installed, pipes keep the kernel's default size.
 */
const HELPERS: { bin: string; args: (size: number) => string[] }[] = [
  { bin: 'perl', args: (n) => ['-e', `fcntl(STDIN, ${F_SETPIPE_SZ}, ${n}) or exit 1`] },
  {
    bin: 'python3',
    args: (n) => ['-c', `import fcntl; fcntl.fcntl(0, ${F_SETPIPE_SZ}, ${n})`],
  },
];

let helper: { path: string; args: (size: number) => string[] } | null | undefined;
let enabled = true;
/** Pipe capacity granted and not yet released (by pipes whose reader is still open). */
let granted = 0;
let grantedPipes = 0;

function findHelper(): { path: string; args: (size: number) => string[] } | null {
  if (helper !== undefined) return helper;
  helper = null;
  if (process.platform !== 'linux') return helper;
  for (const h of HELPERS) {
    for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
      const path = join(dir, h.bin);
      try {
        accessSync(path, constants.X_OK);
        helper = { path, args: h.args };
        return helper;
      } catch {
        // not here
      }
    }
  }
  return helper;
}

function readNumber(path: string): number | null {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

/**
 * Capacity to ask for, or 0 to leave the pipe alone. An unprivileged user's pipes share a soft
 * limit (`pipe-user-pages-soft`, 64 MiB by default); past it the kernel gives that user's new pipes
 * 8 KiB only, so Vigil uses at most a quarter of it. Root is not limited by it.
 */
function capacityToGrant(): number {
  const max = readNumber('/proc/sys/fs/pipe-max-size') ?? 0;
  const size = Math.min(BUSY_PIPE_BYTES, max);
  if (size <= 65536) return 0;
  if (process.getuid?.() === 0) return size;
  const softPages = readNumber('/proc/sys/fs/pipe-user-pages-soft') ?? 0;
  if (softPages === 0) return size; // no limit
  return granted + size <= (softPages * 4096) / 4 ? size : 0;
}

/**
 * Raises the capacity of the pipe behind a FIFO (one that a busy service fills 64 KiB at a time),
 * in the background. Returns the capacity asked for, to be given back with releasePipe() once the
 * pipe is closed, or 0 when this cannot be done here (no helper, budget spent, not Linux). A helper
 * that fails is harmless: the pipe keeps its size.
 */
export function growPipe(fifo: string): number {
  if (!enabled) return 0;
  const native = nativeSpawnStatus().native;
  const h = native ? null : findHelper();
  if (!native && !h) return 0;
  const size = capacityToGrant();
  if (size === 0) return 0;
  let fd: number;
  try {
    // A second reader on the same pipe: it reads nothing, it only lets us (or the helper) reach the pipe.
    fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return 0;
  }
  let got = 0;
  try {
    if (native) {
      // Vigil's native addon: set here and now, no helper process.
      got = nativePipeSize(fd, size) ?? 0;
    } else {
      spawn(h!.path, h!.args(size), { stdio: [fd, 'ignore', 'ignore'] }).on('error', () => {
        // the pipe keeps its size
      });
      got = size;
    }
  } catch {
    // refused (EPERM past the user's limit, EBUSY) or no helper: the pipe keeps its size
  } finally {
    closeSync(fd);
  }
  if (got > 0) {
    granted += got;
    grantedPipes++;
  }
  return got;
}

/** Turns pipe growth on or off for this process (benchmarks compare both; on by default). */
export function setPipeGrowth(on: boolean): void {
  enabled = on;
}

/** Gives back what growPipe() granted, once that pipe's reader is closed. */
export function releasePipe(bytes: number): void {
  if (bytes <= 0) return;
  granted -= bytes;
  grantedPipes--;
}

/** Pipes grown and still open, and the capacity asked for them. */
export function grownPipes(): { pipes: number; bytes: number } {
  return { pipes: grantedPipes, bytes: granted };
}
