import { readdirSync } from 'node:fs';
import { environValues } from './parse-environ.js';
import { parseProcStat, type ProcStat } from './parse-stat.js';
import { readProcText, readProcTextSync } from './proc-read.js';
import { TimeSlicer } from './time-slicer.js';
import { probeSupport, type Unsupported } from './support.js';

/** A live process as seen in /proc/PID/stat. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
  comm: string;
  /** 'Z' for a zombie: callers treat it as dead. */
  state: string;
  start_ticks: number;
}

/** How findTree found a process. */
export type TreeMembership = 'root' | 'descendant' | 'marker';

/** A process of a service's tree. */
export interface TreeProcess extends ProcessInfo {
  via: TreeMembership;
}

/** The environment variable that every process of a service inherits. */
export interface TreeMarker {
  key: string;
  value: string;
}

function info(s: ProcStat): ProcessInfo {
  return {
    pid: s.pid,
    ppid: s.ppid,
    pgrp: s.pgrp,
    session: s.session,
    comm: s.comm,
    state: s.state,
    start_ticks: s.start_ticks,
  };
}

/** Reads /proc/PID/stat of one process; null if it is gone. */
export async function readProcessInfo(pid: number): Promise<ProcessInfo | null> {
  const text = await readProcText(`/proc/${pid}/stat`);
  if (text === null || text === '') return null;
  return info(parseProcStat(text));
}

/**
 * Every process on the machine (processes that exit during the walk are left out). Each stat is read
 * synchronously (procfs answers it without waiting on the process: ~15 µs, a tenth of a thread-pool
 * round trip), yielding to the event loop every 2 ms.
 */
export async function listProcesses(): Promise<ProcessInfo[] | Unsupported> {
  const unsupported = probeSupport();
  if (unsupported) return unsupported;
  const slicer = new TimeSlicer(2);
  const out: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    await slicer.pause();
    try {
      const text = readProcTextSync(`/proc/${name}/stat`);
      if (text) out.push(info(parseProcStat(text)));
    } catch {
      // a malformed or vanishing entry is not a process we can follow
    }
  }
  return out;
}

// The values a process's environment gave a marker key, by "pid:start_ticks:comm:key". /proc shows the
// environment given at exec, so the answer holds until the next exec. One entry per process, whatever
// the number of services asking (keyed by marker value it would grow with services × processes).
const markerCache = new Map<string, readonly string[]>();

/** Entries of the marker cache (for tests and diagnostics: it is bounded by the number of processes). */
export function markerCacheSize(): number {
  return markerCache.size;
}
/**
 * The live processes of a service: the roots, all their descendants (by ppid), and any process
 * whose environment holds `marker` (descendants that escaped with setsid or a double fork and were
 * re-parented to init still carry it) together with that process's own descendants. `listing`
 * (from listProcesses, taken moments before) saves walking all of /proc again.
 */
export async function findTree(
  rootPids: number[],
  marker?: TreeMarker,
  listing?: ProcessInfo[],
): Promise<TreeProcess[] | Unsupported> {
  // A listing shared by several calls (the monitor takes one per round of samples) is used only if it
  // knows every root; a root started since it was taken needs a fresh one.
  const shared = listing && rootPids.every((pid) => listing.some((p) => p.pid === pid)) ? listing : null;
  const all = shared ?? (await listProcesses());
  if ('unsupported' in all) return all;
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const children = new Map<number, ProcessInfo[]>();
  for (const p of all) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const out = new Map<number, TreeProcess>();
  const walk = (start: ProcessInfo, via: TreeMembership): void => {
    const stack: [ProcessInfo, TreeMembership][] = [[start, via]];
    while (stack.length > 0) {
      const [p, how] = stack.pop() as [ProcessInfo, TreeMembership];
      if (out.has(p.pid)) continue;
      out.set(p.pid, { ...p, via: how });
      for (const c of children.get(p.pid) ?? []) stack.push([c, 'descendant']);
    }
  };
  for (const pid of rootPids) {
    const p = byPid.get(pid);
    if (p) walk(p, 'root');
  }
  if (marker) {
    // Kernel threads (children of kthreadd, pid 2) have no environment; skip them.
    const candidates = all.filter((p) => !out.has(p.pid) && p.pid !== 2 && p.ppid !== 2 && p.state !== 'Z');
    // An exec keeps the start time but usually changes comm: key on both.
    const keyOf = (p: ProcessInfo): string => `${p.pid}:${p.start_ticks}:${p.comm}:${marker.key}`;
    if (markerCache.size > all.length * 2 + 1024) {
      const live = new Set(all.map(keyOf));
      for (const k of markerCache.keys()) if (!live.has(k)) markerCache.delete(k);
    }
    const marked = await Promise.all(
      candidates.map(async (p) => {
        const key = keyOf(p);
        let values = markerCache.get(key);
        if (values === undefined) {
          const env = await readProcText(`/proc/${p.pid}/environ`).catch(() => null);
          if (env === null) return null; // gone or not ours: ask again next time
          values = environValues(env, marker.key);
          markerCache.set(key, values);
        }
        return values.includes(marker.value) ? p : null;
      }),
    );
    for (const p of marked) if (p) walk(p, 'marker');
  }
  return [...out.values()];
}
