import { parseProcStat } from '../probe/parse-stat.js';
import { closeSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';

/** The few fields of /proc/PID/stat the supervisor needs. */
export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  startTicks: number;
}

/** Parses /proc/PID/stat text (the probe's parser; comm may contain spaces and parentheses); null if malformed. */
export function parseStatLine(text: string): ProcStat | null {
  try {
    const st = parseProcStat(text);
    return {
      pid: st.pid,
      state: st.state,
      ppid: st.ppid,
      pgrp: st.pgrp,
      session: st.session,
      startTicks: st.start_ticks,
    };
  } catch {
    return null;
  }
}

/** Reads /proc/PID/stat synchronously; null when the process is gone. (A few µs: procfs, no disk.) */
export function readStat(pid: number): ProcStat | null {
  // One reused buffer: readFileSync would allocate 64 KiB per file, and a /proc walk reads hundreds.
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/stat`, 'r');
  } catch {
    return null;
  }
  try {
    const n = readSync(fd, statBuf, 0, statBuf.length, 0);
    return parseStatLine(statBuf.toString('latin1', 0, n));
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

const statBuf = Buffer.alloc(4096);

/** True when `pid` is alive (not a zombie) and, if given, started at `startTicks` (so a reused pid is never mistaken). */
export function isAlive(pid: number, startTicks?: number | null): boolean {
  const st = readStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return startTicks === undefined || startTicks === null || st.startTicks === startTicks;
}

/** All pids currently in /proc. */
export function listPids(): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const n of names) {
    const c = n.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(n));
  }
  return out;
}

/**
 * Live processes (not this one) whose environment has a variable starting with `prefix` (`KEY=value…`):
 * how a service's escaped processes, a dead daemon's standbys and a test's leftovers are found.
 */
export function pidsWithEnv(prefix: string): number[] {
  const needle = `\0${prefix}`;
  const out: number[] = [];
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    try {
      if (('\0' + readFileSync(`/proc/${pid}/environ`, 'latin1')).includes(needle) && isAlive(pid))
        out.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** True when /proc/PID/environ contains exactly `key=value`. */
export function hasMarker(pid: number, key: string, value: string): boolean {
  let env: Buffer;
  try {
    env = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return false;
  }
  const needle = Buffer.from(`${key}=${value}\0`);
  const i = env.indexOf(needle);
  return i === 0 || (i > 0 && env[i - 1] === 0);
}

/**
 * Live (non-zombie) members of a service: processes in its process group, descendants of its main pid,
 * and processes carrying its marker in their environment (escaped via setsid or a double fork).
 */
export function findServiceProcesses(
  pgid: number | null,
  marker: { key: string; value: string } | null,
  rootPid?: number,
): ProcStat[] {
  const stats = liveProcesses();
  const members = new Map<number, ProcStat>();
  for (const st of stats) {
    if (pgid !== null && st.pgrp === pgid) members.set(st.pid, st);
    else if (rootPid !== undefined && st.pid === rootPid) members.set(st.pid, st);
  }
  // Descendants of anything already found (walk ppid links to a fixed point).
  let grew = true;
  while (grew) {
    grew = false;
    for (const st of stats) {
      if (!members.has(st.pid) && members.has(st.ppid)) {
        members.set(st.pid, st);
        grew = true;
      }
    }
  }
  if (marker) {
    const seen = new Set<string>();
    for (const st of stats) {
      const id = `${st.pid}:${st.startTicks}`;
      seen.add(id);
      if (members.has(st.pid)) continue;
      // A process's environment is fixed when it execs: remember each process's marker once, so a scan
      // reads environ only for processes it has not seen before (a restart must not wait on hundreds of reads).
      let env = environCache.get(id);
      if (env === undefined) {
        env = readMarkerEnv(st.pid);
        environCache.set(id, env);
      }
      if (env !== null && env.includes(`\0${marker.key}=${marker.value}\0`)) members.set(st.pid, st);
    }
    if (environCache.size > seen.size * 2 + 1024) {
      for (const id of environCache.keys()) if (!seen.has(id)) environCache.delete(id);
    }
  }
  return [...members.values()];
}

/** The last scan of /proc, shared by the calls of one turn of the event loop. */
let scan: { stats: ProcStat[]; at: number } | null = null;

/**
 * Every live process but the daemon. Calls within the same millisecond share one scan: stopping 100
 * services at once (`vigil down`) checks every tree in the same turn, and 100 scans of every process of
 * the machine would hold the event loop for seconds. A process forked after the scan is seen by the next
 * check, which every stop loop makes.
 */
function liveProcesses(): ProcStat[] {
  const now = performance.now();
  if (scan && now - scan.at < 1) return scan.stats;
  const stats: ProcStat[] = [];
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    const st = readStat(pid);
    if (st && st.state !== 'Z' && st.state !== 'X') stats.push(st);
  }
  scan = { stats, at: performance.now() };
  return stats;
}

/** Per process (pid:start ticks): its VIGIL_* variables, NUL-framed, or null when none or unreadable. */
const environCache = new Map<string, string | null>();

function readMarkerEnv(pid: number): string | null {
  let env: string;
  try {
    env = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return null;
  }
  if (!env.includes('VIGIL_')) return null;
  return (
    '\0' +
    env
      .split('\0')
      .filter((v) => v.startsWith('VIGIL_'))
      .join('\0') +
    '\0'
  );
}

/** The command line of a process, for reports ("pid 4121 (python3 app.py) survived"). */
export function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}
