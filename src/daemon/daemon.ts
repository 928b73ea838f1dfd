import { EventEmitter } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { totalmem } from 'node:os';
import { diffService } from '../config/diff.js';
import { parseConfig } from '../config/load.js';
import { serviceSchema, type ServiceConfig, type ServiceInput } from '../config/schema.js';
import { VigilError } from '../errors.js';
import { openDatabase, type DB } from '../store/db.js';
import { Store, type EventRow } from '../store/store.js';
import { History } from '../store/history.js';
import { Monitor } from './monitor.js';
import { Alerting } from './alerting.js';
import { cleanupStale, detectCgroups } from '../supervisor/cgroup.js';
import { followLogs, GlobalBudget, readLogs, ServiceLogs } from '../logs/index.js';
import type { SupervisorEvent } from '../supervisor/service.js';
import { Supervisor, type ApplyResult } from '../supervisor/supervisor.js';
import { version } from '../version.js';
import { ensureHome, homeId, loadOrCreateToken, type HomePaths } from './home.js';
import { ownNofile } from './limits.js';
import { DaemonLog } from './logger.js';
import { acquirePidFile, releasePidFile } from './pidfile.js';
import { serviceView, type ResourceView, type ServiceView } from './views.js';
import { dirname } from 'node:path';
import { nativeSpawnStatus } from '../supervisor/native-spawn.js';
import { SessionStore } from '../api/session.js';
import { resolveRuntimeDir, type RuntimeDir } from './runtime-dir.js';
import { CalendarRegistry, createScheduling, withSchedule } from '../schedule/daemon-host.js';
import type { ScheduleEnforcer } from '../schedule/enforcer.js';

export interface DaemonOptions {
  home: string;
  port: number;
  bind: string;
  /** Echo the daemon log to the terminal (foreground `vigil up`). */
  echo?: (line: string) => void;
}

export interface DaemonInfo {
  pid: number;
  version: string;
  home: string;
  port: number;
  bind: string;
  started_at: number;
  services: number;
  /** How services are started: `vfork` (the native addon) or `child_process` (forks the daemon). */
  spawn: { method: 'vfork' | 'child_process'; reason: string };
  /** Where the services' FIFOs are: a private folder on a memory filesystem, or VIGIL_HOME/run/fifo. */
  fifo_dir: RuntimeDir;
}

function spawnMethod(): DaemonInfo['spawn'] {
  const s = nativeSpawnStatus();
  return { method: s.native ? 'vfork' : 'child_process', reason: s.reason };
}

/** A request to run a command by hand (`vigil start`). */
export interface ManualStart {
  name: string;
  command: string[];
  cwd: string;
  env?: Record<string, string>;
  /** Any other service settings (restart policy, limits, …), validated with the config schema. */
  options?: Record<string, unknown>;
}

/**
 * The daemon: owns the store, the supervisor and (through src/api) the HTTP server. Everything the API
 * does goes through its methods; nothing here knows about HTTP.
 */
export class Daemon extends EventEmitter {
  readonly paths: HomePaths;
  readonly startedAt = Date.now();
  token = '';
  db!: DB;
  store!: Store;
  supervisor!: Supervisor;
  log!: DaemonLog;
  server: Server | null = null;
  history!: History;
  monitor!: Monitor;
  alerting: Alerting | null = null;
  /** Dashboard login codes and sessions (memory only: a restart logs browsers out). */
  readonly sessions = new SessionStore();
  /** Extra Host names accepted (config `daemon.allowed_hosts`, for tunnels). */
  allowedHosts: string[] = [];
  schedule!: { enforcer: ScheduleEnforcer; calendars: CalendarRegistry };
  /** The folder of the services' FIFOs (chosen at init). */
  runtime!: RuntimeDir;
  private stopping: Promise<void> | null = null;

  constructor(readonly opts: DaemonOptions) {
    super();
    this.paths = ensureHome(opts.home);
    this.watchLogListeners();
  }

  /** Takes the home's lock, opens the state, takes back running services. Call `listen` next. */
  init(): void {
    acquirePidFile(this.paths.pid, this.paths.home);
    try {
      this.log = new DaemonLog(this.paths.log, this.opts.echo ?? null);
      this.token = loadOrCreateToken(this.paths.token);
      this.db = openDatabase(this.paths.db);
      this.store = new Store(this.db);
      const id = homeId(this.paths.home);
      this.runtime = resolveRuntimeDir(this.paths.home, id);
      const baseEnv: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) {
        if (v !== undefined && !k.startsWith('VIGIL_')) baseEnv[k] = v;
      }
      this.supervisor = new Supervisor({
        homeId: id,
        store: this.store,
        logSink: (name, config) => this.makeLogs(name, config),
        standbyDir: this.runtime.dir,
        daemonHardNofile: ownNofile().hard,
        baseEnv,
        mayRestart: (name) => this.schedule?.enforcer.mayRestart(name) ?? true,
        skipRestart: (name) => this.schedule?.enforcer.skipRestart(name) ?? null,
        cgroups:
          process.env.VIGIL_CGROUPS === 'off'
            ? {
                version: null,
                writable: false,
                reason: 'disabled by VIGIL_CGROUPS=off',
                controllers: [],
                parents: [],
              }
            : detectCgroups(),
      });
      this.supervisor.on('event', (e: SupervisorEvent) => {
        if (e.kind === 'removed') this.release(e.service);
        this.recordEvent(e);
      });
      this.history = new History(this.db);
      this.monitor = new Monitor(this.supervisor, this.history, { intervalMs: 5000 });
      this.monitor.on('sample', (x: { service: string }) => {
        this.emit('sample', x);
        this.guard('alerts', () => this.alerting?.onSample(x.service));
      });
      this.monitor.on('memory-limit', (x: { service: string; rss: number; limit: number }) =>
        this.recordEvent({
          service: x.service,
          kind: 'memory-limit',
          message: `${x.service}: memory ${Math.round(x.rss / 1048576)} MiB crossed its restart threshold (limit ${Math.round(x.limit / 1048576)} MiB); restarting gracefully`,
          data: x,
        }),
      );
      this.monitor.on('error', (err: unknown) => this.log.error('monitor error', { error: String(err) }));
      this.schedule = createScheduling({
        home: this.paths.home,
        supervisor: this.supervisor,
        store: this.store,
        record: (e) => this.recordEvent(e),
      });
      // Empty cgroups left by the last daemon go before recovery respawns anything: afterwards, a
      // service just respawned whose wrapper has not joined its new cgroup yet would lose it (exit 126).
      const cg = this.supervisor.cgroups;
      if (cg.writable) cleanupStale(id, cg);
      const r = this.supervisor.recover();
      this.schedule.enforcer.start(); // reconciles boundaries missed while the daemon was down
      this.log.info(cg.writable ? `cgroups: v${cg.version}` : `cgroups: not used (${cg.reason})`);
      const sp = spawnMethod();
      this.log.info(`spawn: ${sp.method} (${sp.reason})`);
      this.log.info(`FIFOs in ${this.runtime.dir} (${this.runtime.reason})`);
      this.alerting = new Alerting(this);
      this.alerting.start();
      this.monitor.start();
      this.log.info('daemon started', { pid: process.pid, home: this.paths.home, version, ...r });
    } catch (err) {
      releasePidFile(this.paths.pid);
      throw err;
    }
  }

  /** Events that could not be written to the state database (full disk). */
  unsavedEvents = 0;
  private pendingEvents: { e: SupervisorEvent; t: number }[] = [];

  private flushPendingEvents(): void {
    while (this.pendingEvents.length > 0) {
      const p = this.pendingEvents[0]!;
      this.store.addEvent(p.e.service, p.e.kind, p.e.message, p.e.data, p.t);
      this.pendingEvents.shift();
    }
  }
  private readonly logBudget = new GlobalBudget(Number.MAX_SAFE_INTEGER);
  private readonly allLogs = new Map<string, ServiceLogs>();
  private readonly forwardLine = (l: unknown) => this.emit('log', l);

  /** The log capture of one service: FIFOs, rotation, budgets, and 'line' events while anyone listens. */
  private makeLogs(name: string, config: ServiceConfig): ServiceLogs {
    const logs = new ServiceLogs({
      home: this.paths.home,
      service: name,
      options: config.logs,
      budget: this.logBudget,
      fifoDir: this.runtime.dir,
    });
    logs.on('disk-full', (e: { stream: string; code: string }) =>
      this.recordEvent({
        service: name,
        kind: 'disk-full',
        message: `${name}: cannot write its ${e.stream === 'err' ? 'stderr' : 'stdout'} log (${e.code}); lines are counted and dropped until space returns. The service keeps running.`,
        data: e,
      }),
    );
    logs.on('disk-recovered', (e: { stream: string; dropped: number }) =>
      this.recordEvent({
        service: name,
        kind: 'disk-recovered',
        message: `${name}: log writing resumed; ${e.dropped} lines were dropped while the disk was full`,
        data: e,
      }),
    );
    if (this.listenerCount('log') > 0) logs.on('line', this.forwardLine);
    const prev = this.allLogs.get(name);
    if (prev) prev.off('line', this.forwardLine);
    this.allLogs.set(name, logs);
    return logs;
  }

  /** Drops what the daemon kept in memory for a removed service (its closed logs, partial history buckets). */
  private release(name: string): void {
    const logs = this.allLogs.get(name);
    if (logs && !this.supervisor.services.has(name)) {
      logs.off('line', this.forwardLine);
      this.allLogs.delete(name);
    }
    this.history.release(name);
  }

  /** Services for which each per-service structure holds state (diagnostics: each should match `services`). */
  perServiceState(): Record<string, number> {
    return {
      services: this.supervisor.services.size,
      logs: this.allLogs.size,
      monitor: this.monitor.watches.size,
      history: this.history.trackedServices(),
    };
  }

  /** Log lines are split and forwarded only while someone listens (the live stream). */
  private watchLogListeners(): void {
    this.on('newListener', (event: string) => {
      if (event === 'log' && this.listenerCount('log') === 0)
        for (const l of this.allLogs.values()) l.on('line', this.forwardLine);
    });
    this.on('removeListener', (event: string) => {
      if (event === 'log' && this.listenerCount('log') === 0)
        for (const l of this.allLogs.values()) l.off('line', this.forwardLine);
    });
  }

  /** Records an event and passes it to live listeners (SSE). */
  recordEvent(e: SupervisorEvent): EventRow {
    let row: EventRow;
    try {
      this.flushPendingEvents();
      row = this.store.addEvent(e.service, e.kind, e.message, e.data);
    } catch (err) {
      // The state database cannot be written (a full disk): the event still reaches live listeners, the
      // alert engine and the daemon log, and is kept (up to 1,000) to be saved once writing works again.
      this.unsavedEvents += 1;
      const data_json = e.data === undefined ? null : JSON.stringify(e.data);
      row = {
        id: -this.unsavedEvents,
        t: Date.now(),
        service: e.service,
        kind: e.kind,
        message: e.message,
        data_json,
      };
      if (this.pendingEvents.length < 1000) this.pendingEvents.push({ e, t: row.t });
      this.log.error(`event not saved yet: ${String(err)}`, { service: e.service, kind: e.kind });
    }
    if (e.kind !== 'state') this.log.info(e.message, { service: e.service, kind: e.kind });
    this.emit('event', row);
    this.guard('alerts', () => this.alerting?.onEvent(row));
    return row;
  }

  /** Runs a side task (alerts, history) so that its failure — a full disk — never reaches the caller. */
  guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error(`${what}: ${String(err)}`);
    }
  }

  /** Writes daemon.json (port, pid) once the server listens, so the CLI can find it. */
  announce(port: number): void {
    const info = { pid: process.pid, port, bind: this.opts.bind, version, started_at: this.startedAt };
    writeFileSync(this.paths.info, JSON.stringify(info) + '\n', { mode: 0o600 });
  }

  info(): DaemonInfo {
    return {
      pid: process.pid,
      version,
      home: this.paths.home,
      port: this.opts.port,
      bind: this.opts.bind,
      started_at: this.startedAt,
      services: this.supervisor.services.size,
      spawn: spawnMethod(),
      fifo_dir: this.runtime,
    };
  }

  resources(name: string, config: ServiceConfig): ResourceView {
    const w = this.monitor.watches.get(name);
    const svc = this.supervisor.services.get(name);
    if (w && svc?.pid !== null && w.pid === svc?.pid) return w.resources;
    return {
      fds: null,
      fd_limit: null,
      fds_total: null,
      rss_bytes: null,
      pss_bytes: null,
      mem_limit_bytes: config.limits.memory ?? totalmem(),
      sampled_at: null,
    };
  }

  view(name: string): ServiceView {
    const svc = this.supervisor.get(name);
    const src = this.supervisor.sourceOf(name) ?? { source: 'manual' as const, file: null };
    const conditions = (this.alerting?.engine.list({ status: 'open', service: name }) ?? []).map(
      (a) =>
        `${a.severity === 'critical' ? 'alert' : 'warning'}: ${a.kind}${a.acked_at ? ' (acknowledged)' : ''}`,
    );
    const v = serviceView(svc, src, this.resources(name, svc.config), this.monitor.leak(name), conditions);
    return withSchedule(v, this.schedule.enforcer.status(name, svc.status));
  }

  list(): ServiceView[] {
    return [...this.supervisor.services.keys()].sort().map((n) => this.view(n));
  }

  inspect(name: string): Record<string, unknown> {
    const v = this.view(name);
    const runs = this.store.lastRuns(name, 20).map((r) => ({
      id: r.id,
      pid: r.pid,
      started_at: r.started_at,
      ended_at: r.ended_at,
      exit_code: r.exit_code,
      signal: r.signal,
      reason: r.reason,
      exit_known: r.exit_known === 1,
      adopted: r.adopted === 1,
      last_stderr: r.last_stderr ? (JSON.parse(r.last_stderr) as string[]) : null,
      last_stdout: r.last_stdout ? (JSON.parse(r.last_stdout) as string[]) : null,
    }));
    const w = this.monitor.watches.get(name);
    const current = w && w.pid === v.pid ? w : undefined;
    const sample = current?.sample ?? null;
    const classified = current?.classified?.classified ?? null;
    const growth = this.history.targetGrowth(name);
    const fdsLeak = current?.fdsVerdict ?? null;
    const rssLeak = current?.rssVerdict ?? null;
    return {
      ...v,
      logs: this.allLogs.get(name)?.stats() ?? null,
      fds: {
        total: sample?.fds_total ?? null,
        limit: sample?.fd_limit ?? null,
        nearest_pid: sample?.pid ?? null,
        nearest_fds: sample?.fds ?? null,
        by_type: classified?.by_type ?? null,
        top_targets:
          classified?.top_targets.map((t) => ({
            target: t.target,
            type: t.type,
            count: t.count,
            parts: t.parts,
            slope_per_hour: growth.get(t.target) ?? null,
          })) ?? [],
        classified_at: current?.classified?.t ?? null,
      },
      sockets: classified ? classified.sockets : null,
      processes:
        sample?.processes.map((p) => ({
          pid: p.pid,
          ppid: p.ppid,
          cmd: p.cmd,
          fds: p.fds,
          fd_limit: p.fd_limit,
          fd_limit_hard: p.fd_limit_hard,
          rss_bytes: p.rss_bytes,
          pss_bytes: p.pss_bytes,
          threads: p.threads,
        })) ?? [],
      leak: {
        fds: fdsLeak
          ? {
              ...v.leak.fds,
              reason: fdsLeak.reason,
              eta_t: fdsLeak.eta_t,
              eta_low_t: fdsLeak.eta_low_t,
              eta_high_t: fdsLeak.eta_high_t,
            }
          : null,
        rss: rssLeak
          ? {
              ...v.leak.rss,
              reason: rssLeak.reason,
              eta_t: rssLeak.eta_t,
              eta_low_t: rssLeak.eta_low_t,
              eta_high_t: rssLeak.eta_high_t,
            }
          : null,
      },
      runs,
    };
  }

  /** Lines of a service's logs (across rotated and compressed files). */
  async logsOf(
    name: string,
    opts: { n?: number; since?: number; grep?: RegExp; streams?: ('out' | 'err')[] },
  ) {
    this.supervisor.get(name);
    return readLogs(this.paths.home, name, opts);
  }

  /** Follows a service's logs as they are written; close the follower when done. */
  followLogsOf(name: string, opts: { grep?: RegExp; streams?: ('out' | 'err')[] }) {
    this.supervisor.get(name);
    return followLogs(this.paths.home, name, opts);
  }

  /** Sampled history of a service (raw, 1-minute or 15-minute points depending on how far back). */
  historyOf(name: string, since: number, until?: number) {
    this.supervisor.get(name);
    return this.history.query(name, since, until);
  }

  /** Applies a vigil.yaml given as text (its path resolves relative paths). */
  async apply(path: string, text: string): Promise<ApplyResult> {
    const config = parseConfig(text, path, dirname(path));
    if (config.daemon?.max_concurrent !== undefined)
      this.supervisor.maxConcurrent = config.daemon.max_concurrent;
    this.allowedHosts = config.daemon?.allowed_hosts ?? [];
    const calendars = CalendarRegistry.load(path, config.calendars);
    const r = await this.supervisor.apply(path, config.services, (a, b) => diffService(a, b).restart);
    this.schedule.calendars.set(path, calendars);
    this.schedule.enforcer.refresh(); // a changed schedule takes effect at once
    this.recordEvent({
      service: '',
      kind: 'apply',
      message: `applied ${path}: ${r.started.length} started, ${r.restarted.length} restarted, ${r.updated.length} updated live, ${r.removed.length} removed`,
      data: { ...r },
    });
    return r;
  }

  /** Runs a command by hand as a new service, or starts an existing service by name. */
  startManual(req: ManualStart): ServiceView {
    const input = {
      ...(req.options ?? {}),
      command: req.command,
      cwd: req.cwd,
      env: req.env,
    } as ServiceInput;
    const parsed = serviceSchema.safeParse(input);
    if (!parsed.success) {
      throw new VigilError(
        'INVALID_OPTIONS',
        `${req.name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ')}`,
      );
    }
    this.supervisor.add(req.name, parsed.data, 'manual', null);
    this.supervisor.start(req.name);
    return this.view(req.name);
  }

  /** Stops services (or leaves them running), the server and the store; releases the lock. */
  shutdown(opts: { leaveRunning: boolean }): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      this.log.info(opts.leaveRunning ? 'daemon stopping; services left running' : 'daemon stopping');
      this.monitor.stop();
      await this.alerting?.close();
      this.schedule.enforcer.stop();
      if (opts.leaveRunning) this.supervisor.detachAll();
      else await this.supervisor.stopAll();
      await this.supervisor.dispose();
      // Nothing runs any more that a later daemon would find by these FIFOs: leave no trace in memory.
      if (!opts.leaveRunning && this.runtime.kind === 'memory')
        rmSync(this.runtime.dir, { recursive: true, force: true });
      if (this.server) {
        const s = this.server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        });
      }
      this.db.close();
      rmSync(this.paths.info, { force: true });
      releasePidFile(this.paths.pid);
      this.log.info('daemon stopped');
      this.log.close();
      this.emit('stopped');
    })();
    return this.stopping;
  }
}
