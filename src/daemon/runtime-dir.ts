import { lstatSync, mkdirSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { errorMessage } from '../errors.js';

/** statfs(2) magic numbers of the memory filesystems (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;
const RAMFS_MAGIC = 0x858458f6;

/** Where the daemon makes its FIFOs, and why there. */
export interface RuntimeDir {
  dir: string;
  /** `memory`: a private folder on tmpfs; `home`: VIGIL_HOME/run/fifo (no usable memory filesystem). */
  kind: 'memory' | 'home';
  reason: string;
}

/** The file in VIGIL_HOME that remembers the folder chosen, so a later daemon finds the same FIFOs. */
export function runtimeDirRecord(home: string): string {
  return join(home, 'run', 'fifo-dir');
}

function isMemoryFs(path: string): boolean {
  try {
    const t = statfsSync(path).type;
    return t === TMPFS_MAGIC || t === RAMFS_MAGIC;
  } catch {
    return false;
  }
}

/**
 * Makes `dir` (and its missing parents from `trusted` down) with mode 700 and checks that it is a real
 * folder owned by this user that nobody else can enter; throws with the reason otherwise (a folder made
 * in a shared place like /dev/shm by someone else first must not be used).
 */
function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkPrivate(dir);
}

/** Throws unless `dir` is a real folder owned by this user that nobody else can enter. */
function checkPrivate(dir: string): void {
  const st = lstatSync(dir);
  const uid = process.getuid?.() ?? st.uid;
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder`);
  if (st.uid !== uid) throw new Error(`${dir} belongs to uid ${st.uid}, not ${uid}`);
  if ((st.mode & 0o077) !== 0)
    throw new Error(`${dir} is open to other users (mode ${(st.mode & 0o777).toString(8)})`);
}

/**
 * Chooses the folder of the daemon's FIFOs. A FIFO is a new inode each time a service is first started:
 * on a memory filesystem that is ~5 µs, on a disk filesystem 0.2–0.6 ms of kernel time on some machines
 * (measured here on ext4), three times per service. So: `VIGIL_RUNTIME_DIR` if set; else the folder a
 * previous daemon of this home chose, while it is still there (running services' FIFOs are found by path
 * after a daemon restart); else a private folder under /dev/shm (kept until reboot, like the processes
 * that use it); else VIGIL_HOME/run/fifo. Never fails: the home is the last resort.
 */
export function resolveRuntimeDir(
  home: string,
  id: string,
  opts: { env?: NodeJS.ProcessEnv; shm?: string } = {},
): RuntimeDir {
  const env = opts.env ?? process.env;
  const shm = opts.shm ?? '/dev/shm';
  const fallback = join(home, 'run', 'fifo');
  const record = runtimeDirRecord(home);
  const remember = (dir: string) => {
    try {
      writeFileSync(record, dir + '\n', { mode: 0o600 });
    } catch {
      // only a later daemon's choice depends on it
    }
  };
  const asked = env.VIGIL_RUNTIME_DIR;
  if (asked && asked.length > 0) {
    if (!isAbsolute(asked))
      return { dir: fallback, kind: 'home', reason: `VIGIL_RUNTIME_DIR must be absolute: ${asked}` };
    const dir = join(asked, id);
    try {
      privateDir(dir);
      remember(dir);
      return { dir, kind: isMemoryFs(dir) ? 'memory' : 'home', reason: 'VIGIL_RUNTIME_DIR' };
    } catch (err) {
      return { dir: fallback, kind: 'home', reason: `VIGIL_RUNTIME_DIR unusable: ${errorMessage(err)}` };
    }
  }
  let previous: string | null = null;
  try {
    previous = readFileSync(record, 'utf8').trim() || null;
  } catch {
    // first daemon of this home
  }
  if (previous && isAbsolute(previous)) {
    try {
      // Still there (not after a reboot) and still safe; never recreated here.
      if (previous === fallback) lstatSync(previous);
      else checkPrivate(previous);
      return {
        dir: previous,
        kind: isMemoryFs(previous) ? 'memory' : 'home',
        reason: 'the folder a previous daemon of this home used',
      };
    } catch {
      // gone (a reboot) or no longer safe: choose again
    }
  }
  const uid = process.getuid?.() ?? 0;
  if (isMemoryFs(shm)) {
    const dir = join(shm, `vigil-${uid}`, id);
    try {
      privateDir(join(shm, `vigil-${uid}`));
      privateDir(dir);
      remember(dir);
      return { dir, kind: 'memory', reason: `${shm} is a memory filesystem` };
    } catch (err) {
      remember(fallback);
      return { dir: fallback, kind: 'home', reason: `${shm} unusable: ${errorMessage(err)}` };
    }
  }
  remember(fallback);
  return { dir: fallback, kind: 'home', reason: `no memory filesystem at ${shm}` };
}
