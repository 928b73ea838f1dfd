import { EventEmitter } from 'node:events';
import { totalmem } from 'node:os';
import { LeakDetector } from '../leak/index.js';
import type { Verdict } from '../leak/index.js';
import {
  findTree,
  isUnsupported,
  listProcesses,
  sampleService,
  type ProcessInfo,
  type ServiceSample,
} from '../probe/index.js';
import type { History } from '../store/history.js';
import type { Service } from '../supervisor/service.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { LeakView, ResourceView } from './views.js';

/** What the monitor knows of one service: the latest sample and its leak detectors. */
export interface ServiceWatch {
  pid: number | null;
  sample: ServiceSample | null;
  /** Last sample with fd classification (by_type, top targets, sockets). */
  classified: ServiceSample | null;
  resources: ResourceView;
  fdsDetector: LeakDetector;
  rssDetector: LeakDetector;
  fdsVerdict: Verdict | null;
  rssVerdict: Verdict | null;
  nextDue: number;
  lastClassify: number;
  lastPss: number;
  memoryRestartPending: boolean;
}

export interface MonitorOptions {
  /** Default sampling interval (daemon.sample_interval), ms. */
  intervalMs: number;
  /** How often fds are classified and PSS read (each takes more than a count), ms. */
  classifyEveryMs?: number;
  pssEveryMs?: number;
}

const EMPTY: ResourceView = {
  fds: null,
  fd_limit: null,
  fds_total: null,
  rss_bytes: null,
  pss_bytes: null,
  mem_limit_bytes: null,
  sampled_at: null,
};

/** A verdict as `ls` shows it: seconds until exhaustion rather than an absolute time. */
export function leakView(v: Verdict | null, nowS: number): LeakView | null {
  if (!v) return null;
  return {
    verdict: v.verdict,
    slope_per_hour: v.slope_per_hour,
    eta_s: v.eta_t === null ? null : Math.max(0, Math.round(v.eta_t - nowS)),
    ...({ reason: v.reason } as object),
  } as LeakView;
}

/**
 * Samples every running service on its interval (counts every time, classification and PSS less often),
 * feeds the leak detectors, records history, and restarts a service gracefully when its whole tree's
 * memory crosses `limits.memory_restart` of `limits.memory`. Emits 'sample' for live views.
 * Samples run one after another, never overlapping, and never block the event loop (the probe yields).
 */
export class Monitor extends EventEmitter {
  readonly watches = new Map<string, ServiceWatch>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;
  private readonly machineMemory = totalmem();

  /** Default sampling interval (ms); `daemon.sample_interval` of the applied file. */
  intervalMs: number;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly history: History,
    private readonly opts: MonitorOptions,
  ) {
    super();
    this.intervalMs = opts.intervalMs;
  }

  start(): void {
    this.schedule(200);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  watch(name: string): ServiceWatch {
    let w = this.watches.get(name);
    if (!w) {
      w = {
        pid: null,
        sample: null,
        classified: null,
        resources: EMPTY,
        fdsDetector: new LeakDetector({ kind: 'fds' }),
        rssDetector: new LeakDetector({ kind: 'rss' }),
        fdsVerdict: null,
        rssVerdict: null,
        nextDue: 0,
        lastClassify: 0,
        lastPss: 0,
        memoryRestartPending: false,
      };
      this.watches.set(name, w);
    }
    return w;
  }

  forget(name: string): void {
    this.watches.delete(name);
  }

  intervalOf(svc: Service): number {
    return svc.config.sample_interval ?? this.intervalMs;
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    let next = 1000;
    try {
      const now = Date.now();
      // One walk of /proc per round, shared by the services sampled in it: walking it per service made
      // 100 services cost 20 walks a second (CPU, and garbage that kept the heap large).
      let listing: ProcessInfo[] | undefined;
      const shared = async (): Promise<ProcessInfo[] | undefined> => {
        if (listing) return listing;
        const all = await listProcesses();
        if (!isUnsupported(all)) listing = all;
        return listing;
      };
      for (const svc of this.supervisor.services.values()) {
        if (this.stopped) break;
        const w = this.watch(svc.name);
        if (svc.pid === null) {
          w.resources = { ...EMPTY, mem_limit_bytes: svc.config.limits.memory ?? this.machineMemory };
          continue;
        }
        const interval = this.intervalOf(svc);
        next = Math.min(next, interval);
        if (now < w.nextDue) continue;
        w.nextDue = now + interval;
        await this.sampleOne(svc, w, await shared());
      }
    } catch (err) {
      this.emit('error', err);
    } finally {
      this.running = false;
      this.schedule(Math.max(100, Math.min(next, 1000)));
    }
  }

  /** Takes one sample of a service now (`listing`: a recent listProcesses, shared by a round). */
  async sampleOne(
    svc: Service,
    w: ServiceWatch = this.watch(svc.name),
    listing?: ProcessInfo[],
  ): Promise<ServiceSample | null> {
    const pid = svc.pid;
    if (pid === null) return null;
    if (w.pid !== pid) {
      // A new run: its history starts over.
      w.pid = pid;
      const transientSeconds = svc.config.leak.warmup / 1000;
      w.fdsDetector = new LeakDetector({ kind: 'fds', transientSeconds });
      w.rssDetector = new LeakDetector({ kind: 'rss', transientSeconds });
      w.fdsVerdict = null;
      w.rssVerdict = null;
      w.lastClassify = 0;
      w.memoryRestartPending = false;
    }
    const now = Date.now();
    const interval = this.intervalOf(svc);
    const classify = now - w.lastClassify >= (this.opts.classifyEveryMs ?? Math.max(interval, 5000));
    const pss = now - w.lastPss >= (this.opts.pssEveryMs ?? 60_000);
    const tree = await findTree([pid], svc.marker, listing);
    if (isUnsupported(tree)) return null;
    const pids = tree.filter((p) => p.state !== 'Z' && p.state !== 'X').map((p) => p.pid);
    if (pids.length === 0) return null;
    const sample = await sampleService(pids, { classify, pss });
    if (isUnsupported(sample) || svc.pid !== pid) return null;
    if (classify) w.lastClassify = now;
    if (pss) w.lastPss = now;
    w.sample = sample;
    if (sample.classified) w.classified = sample;
    const memLimit = svc.config.limits.memory ?? this.machineMemory;
    w.resources = {
      fds: sample.fds,
      fd_limit: sample.fd_limit,
      fds_total: sample.fds_total,
      rss_bytes: sample.rss_bytes,
      pss_bytes: sample.pss_bytes ?? w.resources.pss_bytes,
      mem_limit_bytes: memLimit,
      sampled_at: sample.t,
    };
    const ts = sample.t / 1000;
    if (sample.fd_limit !== null) w.fdsVerdict = w.fdsDetector.push(ts, sample.fds, sample.fd_limit);
    w.rssVerdict = w.rssDetector.push(ts, sample.rss_bytes, memLimit);
    this.history.record(
      svc.name,
      {
        t: sample.t,
        fds: sample.fds,
        fd_limit: sample.fd_limit,
        fds_total: sample.fds_total,
        rss_bytes: sample.rss_bytes,
        pss_bytes: sample.pss_bytes,
        mem_limit_bytes: memLimit,
      },
      sample.processes.length,
      sample.classified?.top_targets.slice(0, 10).map((x) => ({ target: x.target, count: x.count })),
    );
    svc.lastSample = { t: sample.t, ...w.resources };
    this.emit('sample', {
      service: svc.name,
      t: sample.t,
      ...w.resources,
      leak: this.leak(svc.name),
    });
    this.checkMemory(svc, w, sample.rss_bytes);
    return sample;
  }

  leak(name: string): { fds: LeakView | null; rss: LeakView | null } {
    const w = this.watches.get(name);
    const nowS = Date.now() / 1000;
    return { fds: leakView(w?.fdsVerdict ?? null, nowS), rss: leakView(w?.rssVerdict ?? null, nowS) };
  }

  private checkMemory(svc: Service, w: ServiceWatch, rss: number): void {
    const limit = svc.config.limits.memory;
    if (limit === undefined || w.memoryRestartPending) return;
    const threshold = limit * svc.config.limits.memory_restart;
    if (rss < threshold) return;
    w.memoryRestartPending = true;
    this.emit('memory-limit', { service: svc.name, rss, limit, threshold });
    void svc.restart('memory-limit').catch(() => undefined);
  }
}
