import { spawn as spawnChild } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { ServiceConfig } from '../config/schema.js';
import { VigilError, errorMessage } from '../errors.js';
import { ServiceCgroup, type CgroupSupport } from './cgroup.js';
import { HealthMonitor } from './health.js';
import { resolveIdentity } from './identity.js';
import type { LogSink } from './log-sink.js';
import { isAlive, readStat } from './proc.js';
import { decideAfterExit, initialBackoff, type BackoffState, type ServiceStatus } from './restart-policy.js';
import { preflight, spawnService } from './spawn.js';
import { Standby, type PacedQueue } from './standby.js';
import type { SpawnedChild } from './native-spawn.js';
import { ensureFifo } from '../logs/fifo.js';
import { killTree, liveMembers, stopTree, type Survivor, type TreeRef } from './stop-tree.js';
import type { Store } from '../store/store.js';

/** Why a run ended. */
export type ExitReason =
  | 'crashed'
  | 'exited'
  | 'stopped'
  | 'restarted'
  | 'oom-killed'
  | 'memory-limit'
  | 'health'
  | 'fd-exhaustion'
  | 'leak-fds'
  | 'leak-memory'
  | 'fd-limit'
  | 'spawn-failed'
  | 'unknown';

export interface LastExit {
  code: number | null;
  signal: string | null;
  reason: ExitReason;
  /** Plain words: "exited with code 1", "killed by SIGKILL", "exit status unknown (taken back after a daemon restart)". */
  detail: string;
  at: number;
  exit_known: boolean;
}

export interface SupervisorEvent {
  service: string;
  kind: string;
  message: string;
  data?: Record<string, unknown>;
}

/** What a service needs from the daemon around it. */
export interface ServiceContext {
  homeId: string;
  store: Store;
  emit: (e: SupervisorEvent) => void;
  logSink: (service: string, config: ServiceConfig) => LogSink;
  /** Hard nofile limit of the daemon: the default hard limit of every service. */
  daemonHardNofile: number;
  /** Throws when a new process may not start now (max_concurrent). */
  admit: (service: string) => void;
  /** Environment every service starts from (the daemon's own). */
  baseEnv: Record<string, string>;
  /** Cgroups this daemon may create for its services (version null: none). */
  cgroups: CgroupSupport;
  /** Folder of the standbys' go FIFOs (absent: no standby is used). */
  standbyDir?: string;
  /** Paces the making of standbys (one per turn of the event loop). */
  standbyQueue?: PacedQueue;
  /** False when the restart policy must not restart the service now (a schedule with no window open). */
  mayRestart?: (service: string) => boolean;
  /** Why a resource-driven restart (memory, leak) is skipped now (its window closes first), or null. */
  skipRestart?: (service: string) => { reason: string; report: boolean } | null;
}

/** The marker every process of a service inherits (the exec wrapper's standby sets it by this name too). */
export const MARKER_KEY = 'VIGIL_SERVICE_ID';
/** Delay before a standby is prepared after a start by hand or by a file (so 100 starts are not 200 forks). */
const STANDBY_AFTER_START_MS = 1000;
/** Delay before the next standby after a crash was replaced by one (it must be ready for the next crash). */
const STANDBY_AFTER_RESTART_MS = 0;

/** A process just started, not yet recorded (see Service.launch). */
interface Launched {
  child: SpawnedChild;
  pid: number;
  cwd: string;
  env: Record<string, string>;
  fromStandby: boolean;
}
const FD_EXHAUSTION = /EMFILE|Too many open files/i;

/** One supervised service: its state machine, its current process tree and its restart policy. */
export class Service {
  status: ServiceStatus = 'stopped';
  pid: number | null = null;
  startTicks: number | null = null;
  startedAt: number | null = null;
  restarts = 0;
  lastExit: LastExit | null = null;
  /** Processes that survived the last stop, if any (reported, never hidden). */
  survivors: Survivor[] = [];
  /** Set when the restart budget ran out; cleared by a manual start. */
  failedReason: string | null = null;

  private child: SpawnedChild | null = null;
  private adopted = false;
  private runId: number | null = null;
  private backoff: BackoffState;
  private timer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<Survivor[]> | null = null;
  private intent: ExitReason | null = null;
  private exitSeen: (() => void) | null = null;
  private exiting = false;
  health: HealthMonitor | null = null;
  /** The cgroup of the current run, when the machine offers a writable one. */
  cgroup: ServiceCgroup | null = null;
  /** Why the service has no cgroup (or why its limits are not enforced), for ls and inspect. */
  cgroupNote: string | null = null;
  private oomBefore = 0;
  private cgroupKey = '';
  /** The next process, waiting (see standby.ts). */
  private standby: Standby | null = null;
  /** Spawned by beginStart() and not recorded yet. */
  private launching: Launched | null = null;
  private standbyTimer: NodeJS.Timeout | null = null;
  /** Standbys killed whose exit has not been seen yet: not members of the service's tree. */
  private readonly deadStandbys = new Set<number>();
  /** The last resource sample of the current run (recorded with the run when it ends). */
  lastSample: ({ t: number } & Record<string, unknown>) | null = null;
  readonly logs: LogSink;

  constructor(
    readonly name: string,
    public config: ServiceConfig,
    private readonly ctx: ServiceContext,
  ) {
    this.backoff = initialBackoff(config);
    this.logs = ctx.logSink(name, config);
  }

  get marker(): { key: string; value: string } {
    return { key: MARKER_KEY, value: `${this.ctx.homeId}/${this.name}` };
  }

  /** Pid of the standby waiting to replace the service after a crash, or null. */
  get standbyPid(): number | null {
    return this.standby && !this.standby.ended ? this.standby.pid : null;
  }

  /** True while a process of this service may be alive. */
  get active(): boolean {
    return this.pid !== null || this.launching !== null;
  }

  get uptimeMs(): number {
    return this.pid !== null && this.startedAt !== null ? Date.now() - this.startedAt : 0;
  }

  nofile(): { soft: number; hard: number } {
    const hard = this.config.limits.nofile?.hard ?? this.ctx.daemonHardNofile;
    const soft = Math.min(this.config.limits.nofile?.soft ?? 1024, hard);
    return { soft, hard };
  }

  private setStatus(s: ServiceStatus, message?: string): void {
    if (this.status === s) return;
    const from = this.status;
    this.status = s;
    this.ctx.emit({
      service: this.name,
      kind: 'state',
      message: message ?? `${from} → ${s}`,
      data: { from, to: s },
    });
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  argv(): string[] {
    return [...this.config.command];
  }

  /** Starts the service if it is not running; a start during backoff happens at once. */
  start(): void {
    this.beginStart()?.();
  }

  /**
   * start() in two halves, for starting many services at once: spawns now and returns the second half,
   * which records the run (store, events, timers, health). The caller runs every second half after all the
   * spawns, in the same turn of the event loop, so no exit or request can come in between; until then the
   * service counts as active (max_concurrent). Null when it is already running.
   */
  beginStart(): (() => void) | null {
    if (this.stopping)
      throw new VigilError('SERVICE_STOPPING', `${this.name} is stopping; try again when it has stopped`);
    this.failedReason = null;
    if (this.pid !== null) return null;
    this.clearTimers();
    this.backoff = initialBackoff(this.config);
    const l = this.launch();
    if (l && 'pid' in l) this.launching = l;
    return () => {
      this.launching = null;
      this.settle(l, false);
    };
  }

  private spawnNow(fromCrash = false): void {
    this.settle(this.launch(), fromCrash);
  }

  /** After launch(): records the process, or the failure (null: the error arrives later as an event). */
  private settle(l: ReturnType<Service['launch']>, fromCrash: boolean): void {
    if (l && 'pid' in l) this.commit(l, fromCrash);
    else if (l) this.spawnFailed(l.error);
  }

  /**
   * Starts the service's process — by waking its standby when one is waiting, else through the exec
   * wrapper — and returns it without recording anything (the caller commits it), so a crash's replacement
   * is not kept waiting by bookkeeping. Null when the spawn error arrives later (as an event).
   */
  private launch(): Launched | { error: unknown } | null {
    this.clearTimers();
    const cfg = this.config;
    const env = this.env();
    const argv = this.argv();
    const cwd = cfg.cwd ?? process.cwd();
    let child: SpawnedChild;
    try {
      const program = preflight(this.name, argv, cwd, env);
      const id = resolveIdentity(this.name, cfg.user, cfg.group);
      if (id) Object.assign(env, { USER: id.name, LOGNAME: id.name, HOME: id.home });
      this.ctx.admit(this.name);
      const sb = this.takeStandby();
      if (sb && !this.wantsStandby()) {
        // The configuration changed since it was made.
        this.deadStandbys.add(sb.pid);
        sb.kill();
      } else if (sb) {
        this.logs.openReaders();
        if (sb.wake()) {
          this.oomBefore = this.cgroup?.oomKills() ?? 0;
          sb.child.removeAllListeners('exit');
          return { child: sb.child, pid: sb.pid, cwd, env, fromStandby: true };
        }
      }
      this.openCgroup();
      const cg = this.cgroup;
      const fds = this.logs.prepareSpawn();
      try {
        child = spawnService({
          service: this.name,
          argv,
          cwd,
          env,
          nofile: this.nofile(),
          ...(id ? { uid: id.uid, gid: id.gid } : {}),
          // A wrapper running as another user cannot write cgroup.procs; the daemon moves it right after spawn.
          ...(cg && !id ? { cgroupProcs: cg.procsFiles } : {}),
          ...fds,
          program,
        });
      } finally {
        this.logs.afterSpawn();
      }
      if (cg && id && child.pid !== undefined) {
        // A wrapper running as another user cannot write cgroup.procs: the daemon moves it (slower).
        try {
          writeFileSync(cg.procsPath, String(child.pid));
          cg.joinOthers(child.pid);
        } catch (err) {
          this.cgroupNote = errorMessage(err);
        }
      }
    } catch (err) {
      return { error: err };
    }
    const pid = child.pid;
    if (pid === undefined) {
      // The error event follows; the exit event may not.
      child.once('error', (err) => this.spawnFailed(err));
      return null;
    }
    return { child, pid, cwd, env, fromStandby: false };
  }

  /** Records a launched process as the service's current run and watches it. */
  private commit(l: Launched, fromCrash: boolean): void {
    const { child, pid, cwd, env } = l;
    this.child = child;
    this.adopted = false;
    this.pid = pid;
    this.startedAt = Date.now();
    // The spawn knows the start time exactly (almost always): no /proc read on the start path.
    this.startTicks = child.startTicks ?? readStat(pid)?.startTicks ?? null;
    this.runId = this.ctx.store.beginRun(this.name, pid, this.startTicks, this.startedAt);
    child.once('exit', (code, signal) => this.onExit(code, signal, true));
    child.once('error', () => undefined); // exit follows
    this.setStatus('starting', `started, pid ${pid}${l.fromStandby ? ' (from its standby)' : ''}`);
    this.startHealth(pid, cwd, env);
    const minUptime = this.config.min_uptime;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.pid === pid && this.status === 'starting') this.setStatus('running', `running, pid ${pid}`);
    }, minUptime);
    this.scheduleStandby(fromCrash ? STANDBY_AFTER_RESTART_MS : STANDBY_AFTER_START_MS);
  }

  /**
   * The FIFOs a start needs (the log streams), for batched creation. The standby's go FIFO is made when
   * the standby is, a second after the start: not on the start's path.
   */
  fifoPaths(): string[] {
    const f = this.logs.fifoPaths();
    return [f.out, f.err];
  }

  private goFifo(): string {
    return `${this.ctx.standbyDir}/${this.name}.go`;
  }

  /** Whether this service keeps a standby: it restarts, runs as the daemon's user, and has no tasks limit. */
  private wantsStandby(): boolean {
    const cfg = this.config;
    return (
      this.ctx.standbyDir !== undefined &&
      cfg.standby &&
      cfg.restart !== 'never' &&
      cfg.user === undefined &&
      cfg.group === undefined &&
      cfg.limits.tasks === undefined
    );
  }

  private scheduleStandby(delayMs: number): void {
    if (this.standbyTimer || this.standby || !this.wantsStandby()) return;
    this.standbyTimer = setTimeout(() => {
      this.standbyTimer = null;
      if (this.ctx.standbyQueue) this.ctx.standbyQueue.push(() => this.prepareStandby());
      else this.prepareStandby();
    }, delayMs);
    this.standbyTimer.unref();
  }

  /** Starts the standby for the next run (while this one runs); failures only mean the next start spawns. */
  private prepareStandby(): void {
    if (this.standby || this.pid === null || this.stopping || !this.wantsStandby()) return;
    const cfg = this.config;
    const argv = this.argv();
    const cwd = cfg.cwd ?? process.cwd();
    const env = this.env();
    try {
      // No preflight here: launch() runs one before every wake, so a standby of a vanished program is never used.
      const go = this.goFifo();
      ensureFifo(go);
      const cg = this.cgroup;
      const sb = Standby.spawn(
        {
          service: this.name,
          argv,
          cwd,
          env,
          nofile: this.nofile(),
          ...(cg ? { cgroupProcs: cg.procsFiles } : {}),
        },
        go,
        this.logs.fifoPaths(),
        this.marker,
      );
      if (!sb) return;
      this.standby = sb;
      sb.child.once('exit', () => {
        this.deadStandbys.delete(sb.pid);
        if (this.standby === sb) this.standby = null;
      });
    } catch {
      // No standby: the next start spawns as usual (and reports whatever is wrong then).
    }
  }

  /** Takes the standby out of the service (to wake it or to kill it). */
  private takeStandby(): Standby | null {
    if (this.standbyTimer) clearTimeout(this.standbyTimer);
    this.standbyTimer = null;
    const sb = this.standby;
    this.standby = null;
    if (sb && sb.ended) return null;
    return sb;
  }

  /** Kills the standby, if any: the service is stopping or will not restart at once. */
  private dropStandby(): void {
    const sb = this.takeStandby();
    if (!sb) return;
    this.deadStandbys.add(sb.pid);
    sb.kill();
  }

  /** The processes in the service's cgroup, without its standby. */
  private cgroupMembers(cg: ServiceCgroup): number[] {
    const skip = this.standby?.pid;
    return cg.pids().filter((p) => p !== skip && !this.deadStandbys.has(p));
  }

  /** The environment a service process starts with: the daemon's, the service's, and its marker. */
  env(): Record<string, string> {
    return { ...this.ctx.baseEnv, ...(this.config.env ?? {}), [MARKER_KEY]: this.marker.value };
  }

  /** Creates (or reopens) the service's cgroup with its memory and tasks limits, where the machine allows. */
  private openCgroup(): void {
    const { memory, tasks } = this.config.limits;
    // The cgroup of the last run is kept between restarts (it is removed when the service stops): reuse it.
    const key = `${memory ?? ''}/${tasks ?? ''}`;
    if (this.cgroup && this.cgroupKey === key && this.cgroupMembers(this.cgroup).length === 0) {
      this.oomBefore = this.cgroup.oomKills();
      return;
    }
    this.cgroupKey = key;
    if (this.ctx.cgroups.version === null || !this.ctx.cgroups.writable) {
      this.cgroup = null;
      this.cgroupNote =
        tasks !== undefined
          ? `tasks limit ${tasks} cannot be enforced: ${this.ctx.cgroups.reason}`
          : memory !== undefined
            ? `memory limit enforced by graceful restarts only (no writable cgroup: ${this.ctx.cgroups.reason})`
            : null;
      return;
    }
    const a = ServiceCgroup.attempt(this.ctx.cgroups, this.ctx.homeId, this.name, {
      // The hard stop sits above the graceful-restart threshold, so a graceful restart normally comes first.
      memoryBytes: memory,
      tasks,
    });
    this.cgroup = a.cgroup;
    const applied = a.cgroup?.limitsApplied();
    this.cgroupNote = a.cgroup
      ? applied?.reason && (memory !== undefined || tasks !== undefined)
        ? applied.reason
        : null
      : a.reason;
    this.oomBefore = a.cgroup && !a.fresh ? a.cgroup.oomKills() : 0;
  }

  private startHealth(pid: number, cwd: string, env: Record<string, string>): void {
    this.health?.stop();
    this.health = null;
    const cfg = this.config.health;
    if (!cfg) return;
    this.health = new HealthMonitor(cfg, { cwd, env }, Date.now(), {
      pass: () => {
        // A start counts as successful when the health check first passes (or after min_uptime).
        if (this.pid === pid && this.status === 'starting') this.setStatus('running', `healthy, pid ${pid}`);
      },
      unhealthy: (detail, failures) => {
        if (this.pid !== pid || this.stopping) return;
        this.ctx.emit({
          service: this.name,
          kind: 'health',
          message: `${this.name}: health check failed ${failures} times (${detail}); restarting`,
          data: { detail, failures },
        });
        void this.restart('health').catch(() => undefined);
      },
    });
  }

  private spawnFailed(err: unknown): void {
    this.dropStandby(); // made for a configuration that no longer starts
    const message = errorMessage(err);
    const code = err instanceof VigilError ? err.code : 'SPAWN_FAILED';
    this.pid = null;
    this.child = null;
    this.lastExit = {
      code: null,
      signal: null,
      reason: 'spawn-failed',
      detail: message,
      at: Date.now(),
      exit_known: true,
    };
    this.failedReason = message;
    this.setStatus('failed', message);
    this.ctx.emit({ service: this.name, kind: 'spawn-failed', message, data: { code } });
  }

  /** Takes back a process started by a previous daemon (after a crash or `down --leave-running`). */
  adopt(pid: number, startTicks: number | null, startedAt: number, runId: number): void {
    this.pid = pid;
    this.startTicks = startTicks;
    this.startedAt = startedAt;
    this.runId = runId;
    this.adopted = true;
    if (this.ctx.cgroups.writable) this.openCgroup();
    this.logs.attach({ gap: true });
    this.setStatus('running', `taken back, pid ${pid}`);
    this.startHealth(pid, this.config.cwd ?? process.cwd(), this.env());
    this.pollTimer = setInterval(() => {
      if (!isAlive(pid, startTicks)) this.onExit(null, null, false);
    }, 500);
    this.pollTimer.unref();
  }

  private async onExit(code: number | null, signal: NodeJS.Signals | null, known: boolean): Promise<void> {
    if (this.pid === null || this.exiting) return; // already handled (exit event and fallback both fired)
    this.exiting = true;
    try {
      await this.handleExit(code, signal, known);
    } finally {
      this.exiting = false;
    }
  }

  private async handleExit(
    code: number | null,
    signal: NodeJS.Signals | null,
    known: boolean,
  ): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    const pid = this.pid;
    const startedAt = this.startedAt ?? Date.now();
    const runId = this.runId;
    const intent = this.intent;
    this.child = null;
    this.clearTimers();
    const exitSeen = this.exitSeen;
    this.exitSeen = null;
    // If the main process died on its own, what it left behind (workers holding the port) goes too,
    // before anything is restarted.
    // Cheap checks first (a restart must not wait on a /proc walk): the cgroup's member list where there is
    // one, else whether the process group still has members. Escapees outside the group are found by the
    // full walk when the service is stopped.
    if (!intent && pid !== null && this.mayHaveLeftovers(pid)) {
      const ref = this.treeRef(pid);
      if (liveMembers(ref).length > 0) this.survivors = await stopTree(ref, 'SIGTERM', 1000);
    }
    await this.logs.waitDrained(300, { flush: false });
    const stderr = this.logs.lastLines('err', 20);
    const stdout = this.logs.lastLines('out', 20);
    const oomKilled = this.cgroup !== null && this.cgroup.oomKills() > this.oomBefore;
    const wrapperError = code === 126 ? stderr.filter((l) => l.startsWith('vigil: ')).pop() : undefined;
    const reason: ExitReason =
      intent ??
      (wrapperError
        ? 'spawn-failed'
        : oomKilled && signal === 'SIGKILL'
          ? 'oom-killed'
          : !known
            ? 'unknown'
            : code === 0 && signal === null
              ? 'exited'
              : stderr.some((l) => FD_EXHAUSTION.test(l))
                ? 'fd-exhaustion'
                : 'crashed');
    const detail = !known
      ? 'exit status unknown (the process was taken back after a daemon restart)'
      : reason === 'oom-killed'
        ? `killed by the kernel: out of memory in its cgroup (limit ${this.config.limits.memory} bytes)`
        : signal
          ? `killed by ${signal}`
          : `exited with code ${code}`;
    const at = Date.now();
    this.lastExit = { code, signal, reason, detail, at, exit_known: known };
    this.pid = null;
    this.startTicks = null;
    this.runId = null;
    this.adopted = false;
    // Decide first, so an immediate restart is not kept waiting by the bookkeeping below.
    const d =
      exitSeen || wrapperError
        ? null
        : decideAfterExit(this.config, this.backoff, { uptimeMs: at - startedAt, code, signal }, at);
    if (d) this.backoff = d.state;
    // A scheduled service is not restarted outside its windows.
    const allowed = !this.ctx.mayRestart || this.ctx.mayRestart(this.name);
    const now = d !== null && allowed && d.action === 'restart' && d.delayMs <= 0;
    // The replacement starts before anything is recorded; it is committed after the crash event.
    const launched = now ? this.launch() : null;
    if (!now && !(d && allowed && d.action === 'restart')) this.dropStandby();
    if (!exitSeen) {
      this.ctx.emit({
        service: this.name,
        kind: reason === 'exited' ? 'exit' : 'crash',
        message: `${this.name} ${detail}${reason !== 'crashed' && reason !== 'exited' ? ` (${reason})` : ''}`,
        data: { pid, code, signal, reason },
      });
    }
    if (now) {
      this.restarts += 1;
      this.settle(launched, true);
    }
    if (runId !== null) {
      this.ctx.store.endRun(runId, {
        ended_at: at,
        exit_code: code,
        signal,
        reason,
        exit_known: known,
        last_stdout: stdout,
        last_stderr: stderr,
        last_sample: this.lastSample ?? undefined,
      });
      this.lastSample = null;
    }
    if (exitSeen) {
      exitSeen();
      return; // a stop or restart in progress takes it from here
    }
    if (wrapperError) {
      // The wrapper could not apply the limits or join the cgroup: retrying will not help.
      this.failedReason = wrapperError.slice('vigil: '.length);
      this.setStatus('failed', `${this.name}: ${this.failedReason}`);
      return;
    }
    if (!d) return;
    if (!allowed) {
      await this.releaseCgroup();
      this.setStatus('stopped', `${this.name}: not restarted: outside its schedule's windows`);
      return;
    }
    if (d.action === 'none') {
      if (d.budgetExhausted) {
        const m = this.config.max_restarts!;
        this.failedReason = `gave up after ${m.count} restarts within ${Math.round(m.window_ms / 1000)} s`;
        this.ctx.emit({ service: this.name, kind: 'failed', message: `${this.name}: ${this.failedReason}` });
      }
      await this.releaseCgroup();
      this.setStatus(d.status);
      return;
    }
    if (d.delayMs <= 0) {
      this.ctx.store.setRestarts(this.name, this.restarts); // spawned above
      return;
    }
    this.restarts += 1;
    this.ctx.store.setRestarts(this.name, this.restarts);
    this.setStatus(d.status, `restarting in ${(d.delayMs / 1000).toFixed(1)} s`);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.spawnNow(true);
    }, d.delayMs);
  }

  /** Whether anything of the tree may outlive its main process (cgroup members, or a non-empty group). */
  private mayHaveLeftovers(pgid: number): boolean {
    if (this.cgroup) return this.cgroupMembers(this.cgroup).length > 0;
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }

  private treeRef(pid: number): TreeRef {
    const cg = this.cgroup;
    return {
      pgid: pid,
      mainPid: pid,
      marker: this.marker,
      ...(cg ? { cgroupKill: () => cg.kill(), cgroupPids: () => this.cgroupMembers(cg) } : {}),
    };
  }

  /** Removes the run's cgroup once its tree is gone (kept while anything is alive in it). */
  private async releaseCgroup(): Promise<void> {
    const cg = this.cgroup;
    if (!cg || this.cgroupMembers(cg).length > 0) return;
    this.cgroup = null;
    await cg.remove().catch(() => undefined);
  }

  /** Stops the whole tree gracefully. `reason` is recorded as the run's exit reason. */
  stop(reason: ExitReason = 'stopped'): Promise<Survivor[]> {
    this.clearTimers();
    this.dropStandby();
    if (this.stopping) return this.stopping;
    if (this.pid === null) {
      if (this.status !== 'stopped') this.setStatus('stopped');
      return Promise.resolve([]);
    }
    this.stopping = this.doStop(reason).finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  private async doStop(reason: ExitReason): Promise<Survivor[]> {
    const pid = this.pid!;
    this.intent = reason;
    this.dropStandby();
    this.health?.stop();
    this.setStatus('stopping', `stopping (${reason})`);
    const exited = new Promise<void>((resolve) => {
      this.exitSeen = resolve;
    });
    const cfg = this.config;
    if (cfg.pre_stop) await this.runPreStop(pid);
    const ref = this.treeRef(pid);
    let survivors = await stopTree(ref, cfg.stop_signal as NodeJS.Signals, cfg.stop_grace);
    // The main process is gone; wait for its exit to be processed (bounded: an adopted process is polled).
    const t = setTimeout(() => this.onExit(null, null, false), 3000);
    await exited;
    clearTimeout(t);
    if (survivors.length > 0) survivors = await killTree(ref);
    this.survivors = survivors;
    if (survivors.length > 0) {
      this.ctx.emit({
        service: this.name,
        kind: 'survivors',
        message: `${this.name}: ${survivors.length} process(es) survived the stop: ${survivors
          .map((s) => `${s.pid} (${s.cmd})`)
          .join(', ')}`,
        data: { survivors },
      });
    }
    this.intent = null;
    await this.releaseCgroup();
    this.setStatus('stopped', `stopped (${reason})`);
    return survivors;
  }

  private runPreStop(pid: number): Promise<void> {
    const argv = this.config.pre_stop!;
    return new Promise((resolve) => {
      let done = false;
      const finish = (msg?: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (msg)
          this.ctx.emit({ service: this.name, kind: 'pre-stop', message: `${this.name}: pre_stop ${msg}` });
        resolve();
      };
      const child = spawnChild(argv[0]!, argv.slice(1), {
        cwd: this.config.cwd ?? process.cwd(),
        env: { ...this.ctx.baseEnv, ...(this.config.env ?? {}), VIGIL_SERVICE_PID: String(pid) },
        stdio: 'ignore',
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(`timed out after ${this.config.pre_stop_timeout} ms`);
      }, this.config.pre_stop_timeout);
      child.once('error', (err) => finish(`failed: ${err.message}`));
      child.once('exit', (code) => finish(code === 0 ? undefined : `exited with code ${code}`));
    });
  }

  /** Graceful restart (stop the whole tree, then start) recorded with `reason`. */
  async restart(reason: ExitReason = 'restarted'): Promise<void> {
    const skip = reason !== 'restarted' && reason !== 'health' ? this.ctx.skipRestart?.(this.name) : null;
    if (skip) {
      if (skip.report)
        this.ctx.emit({
          service: this.name,
          kind: 'restart-skipped',
          message: `${this.name}: ${reason} restart skipped: ${skip.reason}`,
          data: { reason },
        });
      return;
    }
    await this.stop(reason);
    this.restarts += 1;
    this.ctx.store.setRestarts(this.name, this.restarts);
    this.backoff = initialBackoff(this.config);
    this.failedReason = null;
    this.spawnNow();
  }

  /** Releases everything this service holds in the daemon (timers, pollers, log readers). */
  async dispose(): Promise<void> {
    this.clearTimers();
    this.dropStandby();
    this.health?.stop();
    if (this.pid === null) await this.releaseCgroup();
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    await this.logs.close();
  }

  /** Forgets the process without stopping it (for `down --leave-running`). */
  detach(): void {
    this.clearTimers();
    this.dropStandby();
    this.health?.stop();
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    if (this.child) {
      this.child.removeAllListeners('exit');
      this.child.unref();
    }
  }
}
