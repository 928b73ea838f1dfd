import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { GZ_TMP_PREFIX, parseRotatedName, type StreamName } from './paths.js';

/** A file in a service's log folder, as found on disk. */
export interface LogFileEntry {
  path: string;
  /** Null for the active file; the rotation index otherwise (1 = newest rotated). */
  index: number | null;
  stream: StreamName | null;
  gz: boolean;
  size: number;
  mtimeMs: number;
}

/** Every file of a service's log folder with its size (active, rotated, compression temporaries). */
export function listLogFiles(dir: string): LogFileEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: LogFileEntry[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let st;
    try {
      st = statSync(path);
    } catch {
      continue; // deleted meanwhile
    }
    if (!st.isFile()) continue;
    const r = parseRotatedName(name);
    if (r) out.push({ path, index: r.index, stream: r.stream, gz: r.gz, size: st.size, mtimeMs: st.mtimeMs });
    else if (name === 'out.log' || name === 'err.log')
      out.push({
        path,
        index: null,
        stream: name === 'out.log' ? 'out' : 'err',
        gz: false,
        size: st.size,
        mtimeMs: st.mtimeMs,
      });
    else if (name.startsWith(GZ_TMP_PREFIX))
      out.push({ path, index: null, stream: null, gz: true, size: st.size, mtimeMs: st.mtimeMs });
  }
  return out;
}

/** Deletes the oldest rotated files until `total(files) <= limit`; returns the deleted entries. */
export function enforceBudget(files: LogFileEntry[], limit: number): LogFileEntry[] {
  let total = files.reduce((s, f) => s + f.size, 0);
  const deleted: LogFileEntry[] = [];
  if (total <= limit) return deleted;
  // Oldest first by time, but within a stream always the highest index first.
  const streams = new Map<string, LogFileEntry[]>();
  for (const f of files) {
    if (f.index === null) continue;
    const key = join(f.path, '..') + '\0' + f.stream;
    const list = streams.get(key) ?? [];
    list.push(f);
    streams.set(key, list);
  }
  for (const list of streams.values()) list.sort((a, b) => (b.index ?? 0) - (a.index ?? 0));
  while (total > limit) {
    let pick: LogFileEntry[] | undefined;
    for (const list of streams.values()) {
      const head = list[0];
      if (head && (!pick || head.mtimeMs < (pick[0] as LogFileEntry).mtimeMs)) pick = list;
    }
    const victim = pick?.shift();
    if (!victim) break;
    try {
      unlinkSync(victim.path);
    } catch {
      // already gone: nothing to free
    }
    total -= victim.size;
    deleted.push(victim);
  }
  return deleted;
}

/** Deletes rotated files last modified before `now - maxAge`; returns them. */
export function enforceAge(files: LogFileEntry[], maxAge: number, now: number): LogFileEntry[] {
  const deleted: LogFileEntry[] = [];
  for (const f of files) {
    if (f.index === null || f.mtimeMs >= now - maxAge) continue;
    try {
      unlinkSync(f.path);
      deleted.push(f);
    } catch {
      // already gone
    }
  }
  return deleted;
}
