import { closeSync, constants, openSync } from 'node:fs';
import { pidsWithEnv } from './proc.js';
import type { SpawnedChild } from './native-spawn.js';
import { spawnService, type SpawnSpec } from './spawn.js';

/** Environment variable carrying the service's marker while a standby waits (the marker proper is set at exec). */
export const STANDBY_KEY = 'VIGIL_STANDBY';

/**
 * A service's next process, started ahead of time: the exec wrapper (POSIX `sh`) has joined the service's
 * cgroups and set its limits, then blocks opening a FIFO. Replacing a crashed process is then one `open()`
 * by the daemon: the wrapper wakes, opens the service's log FIFOs and execs the command. No fork of the
 * daemon, no shell start-up and no cgroup migration (which waits for an RCU grace period on most kernels)
 * stand between a crash and its replacement.
 *
 * While it waits it holds no log FIFO (so a service's end of file is still seen), carries its marker under
 * another name (so it is not mistaken for a member of the running service's tree) and costs the daemon no
 * file descriptor.
 */
export class Standby {
  private constructor(
    readonly child: SpawnedChild,
    readonly pid: number,
    private readonly go: string,
  ) {}

  /**
   * Starts a standby for `spec` (its stdout/stderr are ignored until it wakes). `go` must be a FIFO that no
   * other process reads; `fifos` are the service's log FIFOs; `marker` its marker value.
   */
  static spawn(
    spec: Omit<SpawnSpec, 'stdout' | 'stderr'>,
    go: string,
    fifos: { out: string; err: string },
    marker: { key: string; value: string },
  ): Standby | null {
    const env: Record<string, string> = { ...spec.env };
    delete env[marker.key];
    Object.assign(env, {
      [STANDBY_KEY]: marker.value,
      VIGIL_STANDBY_GO: go,
      VIGIL_STANDBY_OUT: fifos.out,
      VIGIL_STANDBY_ERR: fifos.err,
    });
    const child = spawnService({ ...spec, env, stdout: 'ignore', stderr: 'ignore' });
    child.once('error', () => undefined); // an exit follows, or the pid is undefined
    if (child.pid === undefined) return null;
    return new Standby(child, child.pid, go);
  }

  /** True once the standby process has ended (killed, or its wrapper failed). */
  get ended(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /**
   * Wakes the standby: true when it was waiting and now execs the service; false when it was not waiting
   * yet (still starting, or gone), in which case it is killed and the caller spawns as usual.
   */
  wake(): boolean {
    if (this.ended) return false;
    let fd: number;
    try {
      // Succeeds only if a reader is blocked in open(): the standby, ready. ENXIO otherwise.
      fd = openSync(this.go, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch {
      this.kill();
      return false;
    }
    closeSync(fd);
    return true;
  }

  /** Kills the standby (it holds nothing but its place in the cgroup). */
  kill(): void {
    if (this.ended) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Kills standbys left by a daemon of this home that died (they wait forever otherwise, and a new standby
 * must be the only reader of its go FIFO). Returns their pids.
 */
export function killStaleStandbys(homeId: string): number[] {
  const killed: number[] = [];
  for (const pid of pidsWithEnv(`${STANDBY_KEY}=${homeId}/`)) {
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // gone
    }
  }
  return killed;
}

/**
 * Runs tasks one per turn of the event loop, so making 100 standbys (100 forks of the daemon) never holds
 * the loop for long: a crash, a request or a sample gets its turn between two of them.
 */
export class PacedQueue {
  private readonly tasks: (() => void)[] = [];
  private scheduled = false;

  push(task: () => void): void {
    this.tasks.push(task);
    this.kick();
  }

  private kick(): void {
    if (this.scheduled || this.tasks.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const task = this.tasks.shift();
      try {
        task?.();
      } finally {
        this.kick();
      }
    });
  }
}
