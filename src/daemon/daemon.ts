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
import { FileLogSink } from '../supervisor/file-log-sink.js';
import type { SupervisorEvent } from '../supervisor/service.js';
import { Supervisor, type ApplyResult } from '../supervisor/supervisor.js';
import { version } from '../version.js';
import { ensureHome, homeId, loadOrCreateToken, type HomePaths } from './home.js';
import { ownNofile } from './limits.js';
import { DaemonLog } from './logger.js';
import { acquirePidFile, releasePidFile } from './pidfile.js';
import { serviceView, type ResourceView, type ServiceView } from './views.js';
import { dirname } from 'node:path';
import { SessionStore } from '../api/session.js';

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
  /** Dashboard login codes and sessions (memory only: a restart logs browsers out). */
  readonly sessions = new SessionStore();
  /** Extra Host names accepted (config `daemon.allowed_hosts`, for tunnels). */
  allowedHosts: string[] = [];
  private stopping: Promise<void> | null = null;

  constructor(readonly opts: DaemonOptions) {
    super();
    this.paths = ensureHome(opts.home);
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
      const baseEnv: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) {
        if (v !== undefined && !k.startsWith('VIGIL_')) baseEnv[k] = v;
      }
      this.supervisor = new Supervisor({
        homeId: id,
        store: this.store,
        logSink: (name) => new FileLogSink(this.paths.home, name),
        daemonHardNofile: ownNofile().hard,
        baseEnv,
      });
      this.supervisor.on('event', (e: SupervisorEvent) => this.recordEvent(e));
      const r = this.supervisor.recover();
      this.log.info('daemon started', { pid: process.pid, home: this.paths.home, version, ...r });
    } catch (err) {
      releasePidFile(this.paths.pid);
      throw err;
    }
  }

  /** Records an event and passes it to live listeners (SSE). */
  recordEvent(e: SupervisorEvent): EventRow {
    const row = this.store.addEvent(e.service, e.kind, e.message, e.data);
    if (e.kind !== 'state') this.log.info(e.message, { service: e.service, kind: e.kind });
    this.emit('event', row);
    return row;
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
    };
  }

  resources(name: string, config: ServiceConfig): ResourceView {
    void name;
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
    return serviceView(svc, src, this.resources(name, svc.config), { fds: null, rss: null });
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
    return { ...v, runs };
  }

  /** Applies a vigil.yaml given as text (its path resolves relative paths). */
  async apply(path: string, text: string): Promise<ApplyResult> {
    const config = parseConfig(text, path, dirname(path));
    if (config.daemon?.max_concurrent !== undefined)
      this.supervisor.maxConcurrent = config.daemon.max_concurrent;
    this.allowedHosts = config.daemon?.allowed_hosts ?? [];
    const r = await this.supervisor.apply(path, config.services, (a, b) => diffService(a, b).restart);
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
      if (opts.leaveRunning) this.supervisor.detachAll();
      else await this.supervisor.stopAll();
      await this.supervisor.dispose();
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
