import { findServiceProcesses, readCmdline, readStat, type ProcStat } from './proc.js';

export interface TreeRef {
  /** Process group (= session) of the service: its main pid, since it was started with setsid. */
  pgid: number;
  mainPid: number;
  marker: { key: string; value: string };
  /** Kills everything in the service's cgroup, when it has one (exact and escape-proof). */
  cgroupKill?: () => Promise<void>;
  /** Exact membership from the cgroup, when there is one. */
  cgroupPids?: () => number[];
}

export interface Survivor {
  pid: number;
  cmd: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function signalAll(procs: ProcStat[], pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // group already empty
  }
  for (const p of procs) {
    if (p.pgrp === pgid) continue; // reached through the group
    try {
      process.kill(p.pid, signal);
    } catch {
      // gone
    }
  }
}

/** Members of the tree still alive. */
export function liveMembers(ref: TreeRef): ProcStat[] {
  const found = findServiceProcesses(ref.pgid, ref.marker, ref.mainPid);
  if (!ref.cgroupPids) return found;
  const have = new Set(found.map((p) => p.pid));
  for (const pid of ref.cgroupPids()) {
    if (have.has(pid)) continue;
    const st = readStat(pid);
    if (st && st.state !== 'Z' && st.state !== 'X') found.push(st);
  }
  return found;
}

/**
 * Stops a whole service tree: `signal` to the process group and to descendants that escaped it,
 * up to `graceMs` for all of them to exit, then SIGKILL to whatever is left (and the cgroup, if any).
 * Resolves with the processes still alive afterwards (normally none), with their commands.
 */
export async function stopTree(ref: TreeRef, signal: NodeJS.Signals, graceMs: number): Promise<Survivor[]> {
  let procs = liveMembers(ref);
  if (procs.length > 0) signalAll(procs, ref.pgid, signal);
  const deadline = Date.now() + graceMs;
  let wait = 10;
  while (procs.length > 0 && Date.now() < deadline) {
    await sleep(Math.min(wait, Math.max(1, deadline - Date.now())));
    wait = Math.min(wait * 2, 100);
    procs = liveMembers(ref);
  }
  if (procs.length === 0 && !ref.cgroupKill) return [];
  return killTree(ref);
}

/** SIGKILL to every member at once (group, escaped descendants, cgroup); returns survivors after 2 s. */
export async function killTree(ref: TreeRef): Promise<Survivor[]> {
  let procs = liveMembers(ref);
  if (ref.cgroupKill) await ref.cgroupKill().catch(() => undefined);
  signalAll(procs, ref.pgid, 'SIGKILL');
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    await sleep(20);
    procs = liveMembers(ref);
    if (procs.length === 0) return [];
    signalAll(procs, ref.pgid, 'SIGKILL');
  }
  return procs.map((p) => ({ pid: p.pid, cmd: readCmdline(p.pid) }));
}
