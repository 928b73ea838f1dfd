// Small /proc readers for the benchmark: the bench watches the supervisors from outside, through the
// kernel, so what it measures is the tool's work and not the latency of the tool's own CLI.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` (sub-millisecond allowed): the polling loops must not wait on a timer queue. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Monotonic time in milliseconds (fractional). */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** argv of a process; null when it is gone, [] for a zombie or a kernel thread. */
export function readArgv(pid: number): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return s.length === 0 ? [] : s.replace(/\0$/, '').split('\0');
  } catch {
    return null;
  }
}

function readPpid(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(f[1]);
  } catch {
    return null;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57)
    .map(Number);
}

const haveChildrenFile = (() => {
  try {
    readFileSync(`/proc/${process.pid}/task/${process.pid}/children`);
    return true;
  } catch {
    return false;
  }
})();

/**
 * Direct children of `pid` forked by its main thread. One read of /proc/PID/task/PID/children when the kernel
 * has it (CONFIG_PROC_CHILDREN), else a scan of every /proc/N/stat.
 */
export function childrenOf(pid: number): number[] {
  if (haveChildrenFile) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim();
      return s.length === 0 ? [] : s.split(' ').map(Number);
    } catch {
      return [];
    }
  }
  return allPids().filter((p) => readPpid(p) === pid);
}

/** Every descendant of `pid` (not including it). */
export function descendantsOf(pid: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const p of allPids()) {
    const pp = readPpid(p);
    if (pp === null) continue;
    const list = byParent.get(pp) ?? [];
    list.push(p);
    byParent.set(pp, list);
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    for (const c of byParent.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

/** Every live process whose command line contains `needle` (for the final clean-up). */
export function pidsWithArg(needle: string): number[] {
  return allPids().filter((p) => p !== process.pid && (readArgv(p) ?? []).some((a) => a.includes(needle)));
}

/** Resident memory (VmRSS) in bytes; 0 when the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Number of open file descriptors; 0 when the process is gone. */
export function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

export function isAlive(pid: number): boolean {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * Watches the direct children of a supervisor for processes whose argv matches: a child still in the exec
 * wrapper (or between fork and exec) does not match yet and is read again on the next poll.
 */
export class ChildWatcher {
  private readonly matched = new Set<number>();

  constructor(
    readonly rootPid: number,
    private readonly match: (argv: string[]) => boolean,
  ) {}

  /** The children that match now. */
  scan(): number[] {
    const kids = childrenOf(this.rootPid);
    const live = new Set(kids);
    for (const p of this.matched) if (!live.has(p)) this.matched.delete(p);
    const out: number[] = [];
    for (const p of kids) {
      if (this.matched.has(p)) {
        out.push(p);
        continue;
      }
      const argv = readArgv(p);
      if (argv && argv.length > 0 && this.match(argv)) {
        this.matched.add(p);
        out.push(p);
      }
    }
    return out;
  }

  /** Forgets a pid (it was killed: a zombie keeps its pid until reaped, with an empty cmdline). */
  forget(pid: number): void {
    this.matched.delete(pid);
  }
}

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) a process has used so far, in ms (resolution: one clock tick). */
export function cpuMs(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks;
  } catch {
    return 0;
  }
}

/** Proportional set size of a process (its share of shared pages counted once), from smaps_rollup; 0 if gone. */
export function pssBytes(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
