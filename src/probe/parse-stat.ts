import { ProcParseError } from './parse-error.js';

/** The fields of /proc/PID/stat that Vigil uses. */
export interface ProcStat {
  pid: number;
  /** Executable name as the kernel keeps it (at most 15 bytes); may contain spaces and parentheses. */
  comm: string;
  /** One letter: R running, S sleeping, D disk sleep, Z zombie, T stopped, t traced, X dead, I idle, … */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  utime_ticks: number;
  stime_ticks: number;
  num_threads: number;
  /** Start time after boot, in clock ticks: with the pid, it identifies a process across pid reuse. */
  start_ticks: number;
  vsize_bytes: number;
  rss_pages: number;
}

/** Parses the text of /proc/PID/stat. */
export function parseProcStat(text: string): ProcStat {
  // comm is between the first '(' and the LAST ')': it may itself contain ") (".
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) throw new ProcParseError('/proc/PID/stat', 'no "(comm)" field');
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 1)
    .trim()
    .split(' ');
  // rest[0] is field 3 (state); field n is rest[n - 3].
  if (!Number.isInteger(pid) || rest.length < 22) {
    throw new ProcParseError('/proc/PID/stat', `expected at least 24 fields, got ${rest.length + 2}`);
  }
  const num = (field: number): number => {
    const v = Number(rest[field - 3]);
    if (!Number.isFinite(v)) throw new ProcParseError('/proc/PID/stat', `field ${field} is not a number`);
    return v;
  };
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: num(4),
    pgrp: num(5),
    session: num(6),
    utime_ticks: num(14),
    stime_ticks: num(15),
    num_threads: num(20),
    start_ticks: num(22),
    vsize_bytes: num(23),
    rss_pages: num(24),
  };
}
