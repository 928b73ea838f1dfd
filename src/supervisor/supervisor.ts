import { EventEmitter } from 'node:events';
import type { ServiceConfig } from '../config/schema.js';
import { VigilError } from '../errors.js';
import type { Store } from '../store/store.js';
import { isAlive } from './proc.js';
import { Service, type ServiceContext, type SupervisorEvent } from './service.js';
import { killStaleStandbys, PacedQueue } from './standby.js';
import { ensureFifos } from '../logs/fifo.js';
import type { Survivor } from './stop-tree.js';

export interface SupervisorOptions extends Omit<ServiceContext, 'emit' | 'admit'> {
  maxConcurrent?: number;
}

/** Where a service came from: a vigil.yaml (`apply`) or a manual `vigil start`. */
export type ServiceSource = 'file' | 'manual';

export interface ApplyResult {
  started: string[];
  restarted: string[];
  updated: string[];
  removed: string[];
  unchanged: string[];
  /** New services with a schedule: added, and started by the schedule when (or if) a window is open. */
  scheduled: string[];
}

/**
 * All supervised services. Emits 'event' (SupervisorEvent) for every state change, crash and restart,
 * and 'manual' ({ name, action: 'start' | 'stop' }) for starts and stops by hand (schedule overrides).
 */
export class Supervisor extends EventEmitter {
  readonly services = new Map<string, Service>();
  private readonly sources = new Map<string, { source: ServiceSource; file: string | null }>();
  maxConcurrent: number | undefined;
  private readonly ctx: ServiceContext;

  constructor(private readonly opts: SupervisorOptions) {
    super();
    this.maxConcurrent = opts.maxConcurrent;
    this.ctx = {
      ...opts,
      emit: (e: SupervisorEvent) => this.emit('event', e),
      admit: (name: string) => this.admit(name),
      standbyQueue: new PacedQueue(),
    };
  }

  /** The cgroups services get (version null: none). */
  get cgroups(): ServiceContext['cgroups'] {
    return this.ctx.cgroups;
  }

  private get store(): Store {
    return this.opts.store;
  }

  private admit(name: string): void {
    if (this.maxConcurrent === undefined) return;
    let running = 0;
    for (const s of this.services.values()) if (s.active && s.name !== name) running++;
    if (running >= this.maxConcurrent) {
      throw new VigilError(
        'MAX_CONCURRENT',
        `${name}: not started: ${running} services are running and daemon.max_concurrent is ${this.maxConcurrent}`,
      );
    }
  }

  get(name: string): Service {
    const s = this.services.get(name);
    if (!s) throw new VigilError('SERVICE_NOT_FOUND', `no service named '${name}' (see 'vigil ls')`);
    return s;
  }

  sourceOf(name: string): { source: ServiceSource; file: string | null } | undefined {
    return this.sources.get(name);
  }

  private persist(
    name: string,
    config: ServiceConfig,
    source: ServiceSource,
    file: string | null,
    desired: 'running' | 'stopped',
  ) {
    this.store.upsertService({ name, source, config_json: JSON.stringify(config), file, desired });
  }

  /** Adds a service (without starting it). */
  add(name: string, config: ServiceConfig, source: ServiceSource, file: string | null): Service {
    if (this.services.has(name))
      throw new VigilError('SERVICE_EXISTS', `a service named '${name}' already exists`);
    const svc = new Service(name, config, this.ctx);
    this.services.set(name, svc);
    this.sources.set(name, { source, file });
    this.persist(name, config, source, file, 'stopped');
    return svc;
  }

  start(name: string): Service {
    const svc = this.get(name);
    this.recordStart(name);
    svc.start();
    return svc;
  }

  /** A start by hand or by a file: the schedule records the override, the store the wish. */
  private recordStart(name: string): void {
    this.emit('manual', { name, action: 'start' });
    this.store.setDesired(name, 'running');
  }

  async stop(name: string): Promise<Survivor[]> {
    const svc = this.get(name);
    this.emit('manual', { name, action: 'stop' });
    this.store.setDesired(name, 'stopped');
    return svc.stop('stopped');
  }

  async restart(name: string): Promise<Service> {
    const svc = this.get(name);
    this.emit('manual', { name, action: 'start' });
    this.store.setDesired(name, 'running');
    await svc.restart('restarted');
    return svc;
  }

  /** Stops a service and forgets it. */
  async remove(name: string): Promise<Survivor[]> {
    const svc = this.get(name);
    const survivors = await svc.stop('stopped');
    await svc.dispose();
    this.services.delete(name);
    this.sources.delete(name);
    this.store.deleteService(name);
    this.emit('event', { service: name, kind: 'removed', message: `${name} removed` });
    return survivors;
  }

  /**
   * Makes the services declared in a file match it: new ones start, removed ones stop and go, changed ones
   * restart only when a field that needs it changed (command, cwd, env, user, group, limits); the rest
   * applies live. Services started by hand are not touched.
   */
  async apply(
    file: string,
    services: Record<string, ServiceConfig>,
    needsRestart: (a: ServiceConfig, b: ServiceConfig) => boolean,
  ): Promise<ApplyResult> {
    const result: ApplyResult = {
      started: [],
      restarted: [],
      updated: [],
      removed: [],
      unchanged: [],
      scheduled: [],
    };
    for (const name of Object.keys(services)) {
      const src = this.sources.get(name);
      if (src && src.source === 'manual') {
        throw new VigilError(
          'SERVICE_EXISTS',
          `${file}: service '${name}' was started by hand with 'vigil start'; remove it first ('vigil rm ${name}') or rename it in the file`,
        );
      }
    }
    // Removed services stop together (each within its own grace period), as `down` stops them.
    const gone = [...this.sources].filter(([name, src]) => src.source === 'file' && !(name in services));
    await Promise.all(gone.map(([name]) => this.remove(name)));
    result.removed.push(...gone.map(([name]) => name));
    const toStart: Service[] = [];
    for (const [name, config] of Object.entries(services)) {
      const existing = this.services.get(name);
      if (!existing) {
        const svc = this.add(name, config, 'file', file);
        // A scheduled service waits for its window: the schedule's enforcer starts it.
        if (config.autostart && !config.schedule) {
          toStart.push(svc);
          result.started.push(name);
        } else if (config.schedule) result.scheduled.push(name);
        else result.unchanged.push(name);
        continue;
      }
      const old = existing.config;
      if (JSON.stringify(old) === JSON.stringify(config)) {
        result.unchanged.push(name);
        this.sources.set(name, { source: 'file', file });
        continue;
      }
      existing.config = config;
      this.sources.set(name, { source: 'file', file });
      const desired = existing.active || existing.status !== 'stopped' ? 'running' : 'stopped';
      this.persist(name, config, 'file', file, desired);
      if (needsRestart(old, config) && existing.active) {
        await existing.restart('restarted');
        result.restarted.push(name);
      } else {
        result.updated.push(name);
      }
    }
    this.startMany(toStart, { record: true });
    return result;
  }

  /**
   * Starts new services together: their FIFOs are made in one batch, and every process is spawned before
   * any run is recorded (the records follow in the same turn of the event loop), so the last service of a
   * hundred does not wait for the bookkeeping of the ninety-nine before it.
   */
  private startMany(services: Service[], opts: { record: boolean }): void {
    if (services.length === 0) return;
    try {
      ensureFifos(services.flatMap((s) => s.fifoPaths()));
    } catch {
      // Each start below makes its own FIFOs and reports the failure against its service.
    }
    const finish: [Service, () => void][] = [];
    try {
      for (const svc of services) {
        const f = svc.beginStart();
        if (f) finish.push([svc, f]);
      }
    } finally {
      for (const [svc, f] of finish) {
        if (opts.record) this.recordStart(svc.name);
        f();
      }
    }
  }

  /**
   * Rebuilds the services from the store after a daemon start, taking back processes that are still
   * alive (same pid and same process start time, so a reused pid is never mistaken) and starting per
   * policy those that died while the daemon was down.
   */
  recover(): { adopted: string[]; restarted: string[]; lost: string[] } {
    const out = { adopted: [] as string[], restarted: [] as string[], lost: [] as string[] };
    // Standbys of a daemon that died wait forever otherwise; each go FIFO must have one reader only.
    killStaleStandbys(this.ctx.homeId);
    const toStart: Service[] = [];
    const open = new Map(this.store.openRuns().map((r) => [r.service, r]));
    for (const row of this.store.listServices()) {
      const config = JSON.parse(row.config_json) as ServiceConfig;
      const svc = new Service(row.name, config, this.ctx);
      svc.restarts = row.restarts;
      this.services.set(row.name, svc);
      this.sources.set(row.name, { source: row.source, file: row.file });
      const run = open.get(row.name);
      if (run && run.pid !== null && isAlive(run.pid, run.start_ticks)) {
        svc.adopt(run.pid, run.start_ticks, run.started_at, run.id);
        out.adopted.push(row.name);
        open.delete(row.name);
        continue;
      }
      if (run) {
        const at = Date.now();
        this.store.endRun(run.id, {
          ended_at: at,
          exit_code: null,
          signal: null,
          reason: 'unknown',
          exit_known: false,
        });
        svc.lastExit = {
          code: null,
          signal: null,
          reason: 'unknown',
          detail: 'ended while the daemon was down (exit status unknown)',
          at,
          exit_known: false,
        };
        open.delete(row.name);
        out.lost.push(row.name);
        this.emit('event', {
          service: row.name,
          kind: 'crash',
          message: `${row.name} (pid ${run.pid}) ended while the daemon was down; exit status unknown`,
        });
      }
      if (row.desired === 'running' && !config.schedule) {
        const restart = config.restart !== 'never';
        if (restart) {
          toStart.push(svc);
          out.restarted.push(row.name);
        }
      }
    }
    // Not recorded as starts: they were running (desired) before the daemon went down.
    this.startMany(toStart, { record: false });
    // Runs of services that no longer exist.
    for (const run of open.values()) {
      this.store.endRun(run.id, {
        ended_at: Date.now(),
        exit_code: null,
        signal: null,
        reason: 'unknown',
        exit_known: false,
      });
    }
    return out;
  }

  /** Stops every service gracefully (in parallel). */
  async stopAll(): Promise<Survivor[]> {
    const all = await Promise.all([...this.services.values()].map((s) => s.stop('stopped')));
    return all.flat();
  }

  /** Leaves every process running and releases the daemon's hold on them (for `down --leave-running`). */
  detachAll(): void {
    for (const s of this.services.values()) s.detach();
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.services.values()].map((s) => s.dispose()));
  }
}
