import { readdirSync, readlinkSync } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import { isDeniedError, isGoneError } from './proc-read.js';
import type { TimeSlicer } from './time-slicer.js';

/**
 * How fd links are read. 'sliced-sync': readlink system calls run on the event loop in slices of a
 * few ms (a procfs readlink never waits on a disk or the target's memory lock, and skipping the
 * thread-pool round trip halves the CPU per fd). 'async': one fs.promises.readlink per fd.
 */
export type ReadlinkMode = 'sliced-sync' | 'async';

/** Stands for the link of an fd that may not be read (EACCES): classified as type 'other', kind 'unreadable'. */
export const UNREADABLE_LINK = '';

/**
 * The readlink text of each open fd of a process; null if the process is gone or its fd folder may
 * not be listed. Fds closed meanwhile are skipped; fds whose link is denied give UNREADABLE_LINK.
 */
export async function readFdLinks(
  pid: number,
  mode: ReadlinkMode,
  slicer: TimeSlicer,
): Promise<string[] | null> {
  const dir = `/proc/${pid}/fd/`;
  let names: string[];
  try {
    names = mode === 'async' ? await readdir(dir) : readdirSync(dir);
  } catch (err) {
    if (isGoneError(err) || isDeniedError(err)) return null;
    throw err;
  }
  const links: string[] = [];
  if (mode === 'async') {
    const BATCH = 64;
    for (let i = 0; i < names.length; i += BATCH) {
      const batch = await Promise.all(
        names
          .slice(i, i + BATCH)
          .map((n) =>
            readlink(dir + n).catch((err: unknown) =>
              isGoneError(err) ? null : isDeniedError(err) ? UNREADABLE_LINK : Promise.reject(err),
            ),
          ),
      );
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
