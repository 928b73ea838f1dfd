import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { constants } from 'node:os';

/** The addon built from native/spawn.c by scripts/build-native.mjs. */
interface Addon {
  spawn(
    file: string,
    argv: string[],
    envp: string[],
    cwd: string,
    stdout: number,
    stderr: number,
    ...wrapper: [soft: number, hard: number, cgroupProcs: string[]] | []
  ): { pid: number; startTicks: number | null };
  reap(pid: number): { code: number | null; signal: number | null } | null;
  pipeSize(fd: number, bytes: number): number;
  mkfifo(path: string): void;
}

/** What the supervisor needs of a started process (child_process's ChildProcess has it too). */
export interface SpawnedChild {
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  once(event: 'error', listener: (err: Error) => void): this;
  removeAllListeners(event?: string): this;
  unref(): void;
  /** Start time in clock ticks since boot (as /proc/PID/stat shows it), when the spawn knew it exactly. */
  readonly startTicks?: number | null;
}

let addon: Addon | null | undefined;
let unavailable = '';

/** The addon, or null (not built, not Linux, or VIGIL_NATIVE_SPAWN=off) with the reason in nativeSpawnStatus(). */
function load(): Addon | null {
  if (addon !== undefined) return addon;
  if (process.env.VIGIL_NATIVE_SPAWN === 'off') {
    unavailable = 'disabled by VIGIL_NATIVE_SPAWN=off';
    return (addon = null);
  }
  try {
    // dist/src/supervisor/ → native/build/ at the package root.
    addon = createRequire(import.meta.url)('../../../native/build/vigil_spawn.node') as Addon;
  } catch (err) {
    unavailable = `native/build/vigil_spawn.node not loadable (${(err as Error).message.split('\n')[0]}); run npm install with a C compiler`;
    addon = null;
  }
  return addon;
}

/** Whether services are started with vfork (fast) or child_process (forks the daemon), and why. */
export function nativeSpawnStatus(): { native: boolean; reason: string } {
  return load()
    ? { native: true, reason: 'vfork (native addon): a start costs the daemon ~0.1 ms whatever its size' }
    : { native: false, reason: unavailable };
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

/** A process started by the addon; its exit is read with waitpid(pid) when SIGCHLD arrives. */
class NativeChild extends EventEmitter implements SpawnedChild {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  constructor(
    readonly pid: number,
    readonly startTicks: number | null,
  ) {
    super();
  }
  /** Like ChildProcess: a running child keeps the event loop alive until unref(). */
  refed = true;
  unref(): void {
    if (!this.refed) return;
    this.refed = false;
    refedCount--;
    updateRef();
  }
}

/** Running children that keep the event loop alive (not unref'd). */
let refedCount = 0;

/** The reaper's timer holds the event loop open while any child still wants that. */
function updateRef(): void {
  if (!reaper) return;
  if (refedCount > 0) reaper.ref();
  else reaper.unref();
}

const children = new Map<number, NativeChild>();
let reaper: NodeJS.Timeout | null = null;

/** waitpid(pid, WNOHANG) for each of our children only (never -1: child_process reaps its own). */
function reapAll(): void {
  const a = addon;
  if (!a) return;
  for (const [pid, child] of children) {
    let r: ReturnType<Addon['reap']>;
    try {
      r = a.reap(pid);
    } catch {
      r = { code: null, signal: null }; // ECHILD: gone without a status we can read
    }
    if (!r) continue;
    children.delete(pid);
    if (child.refed) refedCount--;
    child.exitCode = r.code;
    child.signalCode = r.signal !== null ? (SIGNAL_NAMES.get(r.signal) ?? null) : null;
    child.emit('exit', child.exitCode, child.signalCode);
  }
  if (children.size === 0 && reaper) {
    clearInterval(reaper);
    reaper = null;
  }
  updateRef();
}

let listening = false;

/**
 * Starts `file` with `argv` (argv[0] included) in its own session, stdin /dev/null, stdout and stderr from
 * the given fds ('ignore': /dev/null), every signal at its default. Null when the addon is unavailable
 * (the caller uses child_process). Throws an Error with an errno `code` when the kernel refuses.
 */
export function nativeSpawn(
  file: string,
  argv: string[],
  opts: {
    cwd: string;
    env: Record<string, string>;
    stdout: number | 'ignore';
    stderr: number | 'ignore';
    /**
     * The exec wrapper's work, done by the child itself before exec (no /bin/sh in between): its nofile
     * limit and the cgroup.procs files it joins. A failure is the run's (exit 126, reason on stderr).
     */
    wrapper?: { nofile: { soft: number; hard: number }; cgroupProcs: string[] };
  },
): SpawnedChild | null {
  const a = load();
  if (!a) return null;
  if (!listening) {
    listening = true;
    process.on('SIGCHLD', reapAll);
  }
  const envp = Object.entries(opts.env).map(([k, v]) => `${k}=${v}`);
  const w = opts.wrapper;
  const { pid, startTicks } = a.spawn(
    file,
    argv,
    envp,
    opts.cwd,
    opts.stdout === 'ignore' ? -1 : opts.stdout,
    opts.stderr === 'ignore' ? -1 : opts.stderr,
    ...(w ? ([w.nofile.soft, w.nofile.hard, w.cgroupProcs] as [number, number, string[]]) : ([] as [])),
  );
  const child = new NativeChild(pid, startTicks);
  children.set(pid, child);
  refedCount++;
  // Belt and braces: a SIGCHLD is never lost by Node, but a missed exit would leave a service unwatched.
  reaper ??= setInterval(reapAll, 1000);
  updateRef();
  return child;
}

/**
 * Asks the kernel for a pipe capacity of `bytes` on `fd` (0: only reads it); returns the capacity, or null
 * without the addon. Throws (EPERM, EBUSY…) when the kernel refuses.
 */
export function nativePipeSize(fd: number, bytes: number): number | null {
  const a = load();
  return a ? a.pipeSize(fd, bytes) : null;
}

/** Makes a FIFO (mode 0600) with the addon: true when done, false without the addon. Throws on failure. */
export function nativeMkfifo(path: string): boolean {
  const a = load();
  if (!a) return false;
  a.mkfifo(path);
  return true;
}
