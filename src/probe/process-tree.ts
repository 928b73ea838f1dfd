import { readdir } from 'node:fs/promises';
import { environHas } from './parse-environ.js';
import { parseProcStat, type ProcStat } from './parse-stat.js';
import { readProcText } from './proc-read.js';
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

/** Every process on the machine (processes that exit during the walk are left out). */
export async function listProcesses(): Promise<ProcessInfo[] | Unsupported> {
  const unsupported = probeSupport();
  if (unsupported) return unsupported;
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n)).map(Number);
  const found = await Promise.all(pids.map((pid) => readProcessInfo(pid).catch(() => null)));
  return found.filter((p): p is ProcessInfo => p !== null);
}

/**
 * The live processes of a service: the roots, all their descendants (by ppid), and any process
 * whose environment holds `marker` (descendants that escaped with setsid or a double fork and were
 * re-parented to init still carry it) together with that process's own descendants.
 */
export async function findTree(
  rootPids: number[],
  marker?: TreeMarker,
): Promise<TreeProcess[] | Unsupported> {
  const all = await listProcesses();
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
    const marked = await Promise.all(
      candidates.map(async (p) => {
        const env = await readProcText(`/proc/${p.pid}/environ`).catch(() => null);
        return env !== null && environHas(env, marker.key, marker.value) ? p : null;
      }),
    );
    for (const p of marked) if (p) walk(p, 'marker');
  }
  return [...out.values()];
}
