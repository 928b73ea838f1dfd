import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fixture } from '../../helpers/paths.js';
import type { ServiceLogs } from '../../../src/logs/service-logs.js';

/** The line generator: numbered.py COUNT [WIDTH] [BATCH] [SLEEP_S] [FD] [START]. */
export const NUMBERED = fixture('logs', 'numbered.py');

/** A fresh VIGIL_HOME under the system temp folder. */
export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'vigil-logs-test-'));
}

const children = new Set<ChildProcess>();

/** Spawns `cmd args` with its stdout/stderr captured by `logs`, the way the daemon does. */
export function spawnCaptured(
  logs: ServiceLogs,
  cmd: string,
  args: string[],
  detached = false,
): ChildProcess {
  const fds = logs.prepareSpawn();
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, { stdio: ['ignore', fds.stdout, fds.stderr], detached });
  } finally {
    logs.afterSpawn();
  }
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Kills every child still running (for `after` hooks). */
export function killChildren(): void {
  for (const c of children) {
    try {
      if (c.pid) process.kill(c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}

/** Removes a temp home, ignoring errors. */
export function removeHome(home: string): void {
  rmSync(home, { recursive: true, force: true });
}

/** Every stored line of one stream, oldest first, read independently of the module under test. */
export function storedLines(dir: string, stream: 'out' | 'err'): string[] {
  const rotated = readdirSync(dir)
    .map((n) => new RegExp(`^${stream}\\.log\\.(\\d+)(\\.gz)?$`).exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]) || (b[2] ? 1 : 0) - (a[2] ? 1 : 0));
  let text = '';
  let last = -1;
  for (const m of rotated) {
    if (Number(m[1]) === last) continue;
    last = Number(m[1]);
    const buf = readFileSync(join(dir, m[0]));
    text += (m[2] ? gunzipSync(buf) : buf).toString('utf8');
  }
  const active = join(dir, `${stream}.log`);
  if (existsSync(active)) text += readFileSync(active, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const NUMBERED_RE = /^(\d{10}) x+$/;

/** Sequence numbers of well-formed numbered lines (WIDTH bytes with newline) and the other lines. */
export function parseNumbered(lines: string[], width = 100): { seqs: number[]; other: string[] } {
  const seqs: number[] = [];
  const other: string[] = [];
  for (const l of lines) {
    const m = NUMBERED_RE.exec(l);
    if (m && l.length === width - 1) seqs.push(Number(m[1]));
    else other.push(l);
  }
  return { seqs, other };
}

/** Where the sequence is not exactly start, start+1, …: the first few problems, for the message. */
export function sequenceProblems(seqs: number[], start = 0): string[] {
  const out: string[] = [];
  for (let i = 0; i < seqs.length && out.length < 5; i++)
    if (seqs[i] !== start + i) out.push(`position ${i}: expected ${start + i}, got ${seqs[i]}`);
  return out;
}

/** Targets of this process's open fds (readlink of /proc/self/fd/*). */
export function openFdTargets(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      out.push(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // closed meanwhile (the fd used to list the folder)
    }
  }
  return out;
}

/** Whether a process exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves when `cond()` holds, polling; rejects with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
