import { readdirSync, readlink, readlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { countFdsSync } from './count-fds.js';
import { fdLinkWorker } from './fd-worker.js';
import { isDeniedError, isGoneError } from './proc-read.js';
import type { TimeSlicer } from './time-slicer.js';

/**
 * How fd links are read. 'worker' (the default): synchronous readdir and readlinks in a worker
 * thread; the event loop's thread only receives each process's list. 'async: readlinks on libuv's threads, 64 at a time; the event
 * loop's thread mostly sleeps, so it is scheduled promptly even on a loaded machine. 'sliced-sync':
 * synchronous readlinks on the event loop in slices of `sliceMs`, yielding between slices: a procfs
 * readlink never waits on a disk or on the target's memory lock, and skipping the thread-pool round
 * trip costs about a third less CPU, but on a busy machine a thread that never sleeps is preempted
 * for longer, which shows as loop delay (see docs/probe.md).
 */
export type ReadlinkMode = 'worker' | 'async' | 'sliced-sync';

// Links read at once in 'async' mode: enough to keep libuv's threads busy, few enough that another
// file operation of the daemon waits behind at most this many short calls.
const BATCH = 64;

/** Reads a batch of links with the callback API (one promise per batch: cheaper than one per fd). */
function readlinkBatch(dir: string, names: string[]): Promise<(string | null)[]> {
  return new Promise((resolve, reject) => {
    const out: (string | null)[] = new Array<string | null>(names.length).fill(null);
    let left = names.length;
    let failed = false;
    if (left === 0) resolve(out);
    names.forEach((n, i) => {
      readlink(dir + n, (err, link) => {
        if (failed) return;
        if (err && !isGoneError(err)) {
          if (!isDeniedError(err)) {
            failed = true;
            reject(err);
            return;
          }
          out[i] = UNREADABLE_LINK;
        } else if (!err) out[i] = link;
        if (--left === 0) resolve(out);
      });
    });
  });
}

/** Stands for the link of an fd that may not be read (EACCES): classified as type 'other', kind 'unreadable'. */
export const UNREADABLE_LINK = '';

/**
 * In 'worker' mode, a process counted with at most this many fds has its links read on the event
 * loop's thread (in slices) instead: about 5 µs each, so at most ~1.3 ms, less than the worker's
 * message round trip, and the worker (a second V8 isolate) is never started for small services.
 */
export const INLINE_MAX_FDS = 256;

/**
 * The readlink text of each open fd of a process; null if the process is gone or its fd folder may
 * not be listed. Fds closed meanwhile are skipped; fds whose link is denied give UNREADABLE_LINK.
 * In 'worker' mode the fds are counted first (one stat of /proc/PID/fd) to choose where to read.
 */
export async function readFdLinks(
  pid: number,
  mode: ReadlinkMode,
  slicer: TimeSlicer,
): Promise<string[] | null> {
  const dir = `/proc/${pid}/fd/`;
  if (mode === 'worker') {
    const counted = countFdsSync(pid);
    if (counted !== null && counted <= INLINE_MAX_FDS) mode = 'sliced-sync';
  }
  if (mode === 'worker') {
    try {
      return await fdLinkWorker.links(pid);
    } catch (err) {
      if (isGoneError(err) || isDeniedError(err)) return null;
      throw err;
    }
  }
  let names: string[];
  try {
    names = mode === 'async' ? await readdir(dir) : readdirSync(dir);
  } catch (err) {
    if (isGoneError(err) || isDeniedError(err)) return null;
    throw err;
  }
  const links: string[] = [];
  if (mode === 'async') {
    for (let i = 0; i < names.length; i += BATCH) {
      const batch = await readlinkBatch(dir, names.slice(i, i + BATCH));
      for (const l of batch) if (l !== null) links.push(l);
    }
    return links;
  }
  for (const n of names) {
    await slicer.pause();
    try {
      links.push(readlinkSync(dir + n));
    } catch (err) {
      if (isDeniedError(err)) links.push(UNREADABLE_LINK);
      else if (!isGoneError(err)) throw err;
    }
  }
  return links;
}
