import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { VigilError } from '../errors.js';
import { nativeSpawn, type SpawnedChild } from './native-spawn.js';

/**
 * The exec wrapper: POSIX sh that joins the cgroup (if any), applies the service's nofile limit and
 * execs the command, so the service's pid is the pid Node spawned and no wrapper process stays behind.
 * Node cannot run code between fork and exec, and it raised its own soft fd limit to the hard limit,
 * which every child would otherwise inherit.
 *   $1 soft nofile, $2 hard nofile, $3 cgroup.procs paths (colon-separated; one per v1 hierarchy) or
 *   empty, then the command and its arguments.
 */
export const WRAPPER_SCRIPT = [
  // Joining its own cgroups costs the wrapper a fraction of a millisecond; moving another process from
  // the daemon takes the kernel's cgroup write lock (an RCU grace period: ~10-20 ms per restart).
  'if [ -n "$3" ]; then IFS=:; for p in $3; do echo $$ > "$p" || { echo "vigil: cannot join cgroup $p" >&2; exit 126; }; done; unset IFS; fi',
  // Both limits to the hard value first (lowering a hard limit below the current soft one fails), then soft.
  'ulimit -n "$2" 2>/dev/null || { echo "vigil: cannot set the hard nofile limit to $2" >&2; exit 126; }',
  'ulimit -S -n "$1" 2>/dev/null || { echo "vigil: cannot set the soft nofile limit to $1" >&2; exit 126; }',
  'shift 3',
  // A standby (see standby.ts) waits here, already in its cgroup and with its limits, until the daemon opens
  // the go FIFO for writing; then it takes the service's stdout/stderr FIFOs and marker and execs at once.
  'if [ -n "${VIGIL_STANDBY_GO-}" ]; then',
  '  : <"$VIGIL_STANDBY_GO" || exit 125',
  '  exec 1<>"$VIGIL_STANDBY_OUT" 2<>"$VIGIL_STANDBY_ERR" || exit 125',
  '  VIGIL_SERVICE_ID=$VIGIL_STANDBY; export VIGIL_SERVICE_ID',
  '  unset VIGIL_STANDBY VIGIL_STANDBY_GO VIGIL_STANDBY_OUT VIGIL_STANDBY_ERR',
  'fi',
  'exec "$@"',
].join('\n');

export interface SpawnSpec {
  service: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
  nofile: { soft: number; hard: number };
  /** cgroup.procs files to join before exec (one per v1 hierarchy). */
  cgroupProcs?: string[];
  /**
   * The program's resolved path (from preflight): given, and with the native addon, the child does the
   * wrapper's work itself and execs it directly, without /bin/sh in between.
   */
  program?: string;
  stdout: number | 'ignore';
  stderr: number | 'ignore';
}

/**
 * Starts a service in its own session (process group): with the native addon (see native-spawn.ts), by
 * vfork and a direct exec of `program` (or of the exec wrapper, for a standby); else through the exec
 * wrapper with child_process (which forks the whole daemon), and always so for another user (the addon
 * does not change identity).
 */
export function spawnService(spec: SpawnSpec): SpawnedChild {
  if (spec.program !== undefined && spec.uid === undefined && spec.gid === undefined) {
    // The wrapper's work (cgroups, nofile) done by the vforked child before it execs the program: one
    // exec and no shell per start. Same outcome as the wrapper, failures included (exit 126, reason on stderr).
    const child = nativeSpawn(spec.program, spec.argv, {
      cwd: spec.cwd,
      env: spec.env,
      stdout: spec.stdout,
      stderr: spec.stderr,
      wrapper: { nofile: spec.nofile, cgroupProcs: spec.cgroupProcs ?? [] },
    });
    if (child) return child;
  }
  const args = [
    '-c',
    WRAPPER_SCRIPT,
    'vigil-exec',
    String(spec.nofile.soft),
    String(spec.nofile.hard),
    (spec.cgroupProcs ?? []).join(':'),
    ...spec.argv,
  ];
  if (spec.uid === undefined && spec.gid === undefined) {
    const child = nativeSpawn('/bin/sh', ['/bin/sh', ...args], {
      cwd: spec.cwd,
      env: spec.env,
      stdout: spec.stdout,
      stderr: spec.stderr,
    });
    if (child) return child;
  }
  return spawn('/bin/sh', args, {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ['ignore', spec.stdout, spec.stderr],
    detached: true, // setsid(): own session and process group
    uid: spec.uid,
    gid: spec.gid,
  });
}

/**
 * Checks before spawning, so a bad config fails with a clear reason instead of an exit code 127:
 * the working directory exists, and the program exists and is executable (searched on the service's PATH).
 * Returns the resolved program path.
 */
export function preflight(service: string, argv: string[], cwd: string, env: Record<string, string>): string {
  // Many services started in one go (apply) often share a program and folder: checked once per batch.
  const key = `${cwd}\0${env.PATH ?? ''}\0${argv[0] ?? ''}`;
  const known = checkedThisTurn.get(key);
  if (known !== undefined) return known;
  const found = check(service, argv, cwd, env);
  if (checkedThisTurn.size === 0) queueMicrotask(() => checkedThisTurn.clear());
  checkedThisTurn.set(key, found);
  return found;
}

/** Successful preflights of the current synchronous run of code (cleared as soon as it ends). */
const checkedThisTurn = new Map<string, string>();

function check(service: string, argv: string[], cwd: string, env: Record<string, string>): string {
  let st;
  try {
    st = statSync(cwd);
  } catch {
    throw new VigilError('SPAWN_BAD_CWD', `${service}: working directory ${cwd} does not exist`);
  }
  if (!st.isDirectory()) throw new VigilError('SPAWN_BAD_CWD', `${service}: ${cwd} is not a directory`);
  const prog = argv[0];
  if (!prog) throw new VigilError('SPAWN_NO_COMMAND', `${service}: empty command`);
  const candidates = prog.includes('/')
    ? [isAbsolute(prog) ? prog : resolve(cwd, prog)]
    : (env.PATH ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(isAbsolute(d) ? d : resolve(cwd, d), prog));
  let found: string | undefined;
  let notExecutable: string | undefined;
  for (const c of candidates) {
    try {
      const s = statSync(c);
      if (!s.isFile()) continue;
      accessSync(c, constants.X_OK);
      found = c;
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EACCES') notExecutable = c;
    }
  }
  if (found) return found;
  if (notExecutable)
    throw new VigilError(
      'SPAWN_NOT_EXECUTABLE',
      `${service}: ${notExecutable} is not executable (chmod +x?)`,
    );
  throw new VigilError(
    'SPAWN_NOT_FOUND',
    prog.includes('/')
      ? `${service}: command not found: ${candidates[0]}`
      : `${service}: command not found: '${prog}' is not on PATH`,
  );
}
