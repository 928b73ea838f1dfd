import { VigilError } from '../errors.js';
import { formatBytes, formatDuration } from '../format.js';
import type { Verdict } from '../leak/verdict.js';
import {
  decideLeakAction,
  INITIAL_LEAK_STATE,
  releaseLeakHold,
  type LeakActionConfig,
  type LeakActionInput,
  type LeakDecision,
} from './leak-action.js';
import { leakMessage, pct, targetName } from './messages.js';
import type { Alert, AlertKind, AlertPersistence, AlertQuery, Severity, Transition } from './types.js';

/** One sample of a service as the alert engine needs it. */
export interface UtilisationSample {
  fds: number | null;
  fd_limit: number | null;
  rss_bytes: number | null;
  mem_limit_bytes: number | null;
  top_targets?: { target: string; count: number }[] | undefined;
}

/** warn/fail as fractions of the limit (`alerts.fds` and `alerts.memory` of a service). */
export interface Thresholds {
  fds: { warn: number; fail: number };
  memory: { warn: number; fail: number };
}

/** What a leak message needs beside the verdict. */
export interface VerdictContext {
  /** The limit the verdict's ETA is about (fd soft limit, or memory limit in bytes). */
  limit: number | null;
  top_targets?: { target: string; count: number }[] | undefined;
}

export interface StatusOptions {
  /** `backoff.reset` of the service (ms): how long it must run before lifecycle alerts resolve. */
  reset_ms?: number;
  /** Why it stopped (the run's exit reason): a restart on the way is not a stop on purpose. */
  reason?: string;
}

export interface AlertEngineOptions {
  store: AlertPersistence;
  /** A utilisation alert resolves only below its threshold minus this (fraction; default 0.05 = 5 points). */
  hysteresis?: number;
  /** The daemon's own descriptors: warning and critical shares of its limit. */
  daemonFds?: { warn: number; fail: number };
  /** A leak alert is critical when exhaustion is nearer than this (s). */
  leakCriticalWithinS?: number;
  /** Health alerts turn critical after this many failed-health restarts without a healthy run between. */
  healthCriticalAfter?: number;
  defaultResetMs?: number;
  /** Time zone of clock times in messages (default: the system's). */
  timeZone?: string;
}

interface ServiceState {
  status: string;
  runningSince: number | null;
  resetMs: number;
  crashes: number;
}

const LIFECYCLE: readonly AlertKind[] = ['crash-loop', 'failed', 'oom-killed', 'fd-exhaustion', 'health'];
// Stops that are part of a restart: the service is not stopped on purpose, its alerts stay.
const RESTART_REASONS = new Set([
  'restarted',
  'health',
  'memory-limit',
  'leak-fds',
  'leak-memory',
  'fd-limit',
]);
const RANK: Record<Severity, number> = { warning: 1, critical: 2 };

function key(service: string | null, kind: AlertKind): string {
  return `${service ?? ''}\u0000${kind}`;
}

/**
 * Turns samples, leak verdicts, lifecycle events and statuses into alerts: one per condition
 * (service + kind), escalated in place, resolved when the condition clears, acknowledgeable.
 * No timers and no I/O besides its store: every call takes the time as `now` (ms) and returns the
 * transitions it caused, for the caller to record as events and send to webhooks.
 */
export class AlertEngine {
  private readonly store: AlertPersistence;
  private readonly open = new Map<string, Alert>();
  private readonly services = new Map<string, ServiceState>();
  private readonly diskFull = new Set<string>();
  private readonly h: number;
  private readonly opts: AlertEngineOptions;

  constructor(opts: AlertEngineOptions) {
    this.opts = opts;
    this.store = opts.store;
    this.h = opts.hysteresis ?? 0.05;
    for (const a of this.store.openAlerts()) {
      this.open.set(key(a.service, a.kind), a);
      if (a.kind === 'disk-full')
        for (const s of (a.data.services as string[] | undefined) ?? []) this.diskFull.add(s);
    }
  }

  /** fds and memory against the service's warn/fail thresholds, with hysteresis. */
  observeSample(service: string, s: UtilisationSample, th: Thresholds, now: number): Transition[] {
    const top = s.top_targets?.[0];
    const out = [
      ...this.utilisation(service, 'fds-utilisation', s.fds, s.fd_limit, th.fds, now, (u, level, t) => {
        const most = top ? ` — ${targetName(top.target)} is open ${top.count} times` : '';
        return `${service} has ${s.fds} of ${s.fd_limit} file descriptors open (${pct(u)}), above its ${level} threshold of ${pct(t)}${most}`;
      }),
      ...this.utilisation(
        service,
        'memory-utilisation',
        s.rss_bytes,
        s.mem_limit_bytes,
        th.memory,
        now,
        (u, level, t) => {
          return `${service} uses ${formatBytes(s.rss_bytes)} of its ${formatBytes(s.mem_limit_bytes)} memory limit (${pct(u)}), above its ${level} threshold of ${pct(t)}`;
        },
      ),
    ];
    return [...out, ...this.checkHealthy(service, now)];
  }

  /** The daemon's own descriptors (alert `daemon-fds`, service null). */
  observeDaemon(s: { fds: number | null; fd_limit: number | null }, now: number): Transition[] {
    const th = this.opts.daemonFds ?? { warn: 0.7, fail: 0.9 };
    return this.utilisation(null, 'daemon-fds', s.fds, s.fd_limit, th, now, (u, level, t) => {
      return `the Vigil daemon itself has ${s.fds} of ${s.fd_limit} file descriptors open (${pct(u)}), above its ${level} threshold of ${pct(t)}`;
    });
  }

  /** A leak verdict of the detector opens (or updates) `leak-fds` / `leak-memory`; only `ok` or null resolves it. */
  observeVerdict(
    service: string,
    kind: 'fds' | 'rss',
    v: Verdict | null,
    ctx: VerdictContext,
    now: number,
  ): Transition[] {
    const alertKind: AlertKind = kind === 'fds' ? 'leak-fds' : 'leak-memory';
    if (v === null || v.verdict === 'ok') {
      return this.resolve(service, alertKind, now, v === null ? 'a new run started' : 'the growth stopped');
    }
    // `growing` keeps an open leak alert as it is: a verdict wavering between growing and leak is one alert.
    if (v.verdict !== 'leak') return [];
    const eta_ms = v.eta_t === null ? null : v.eta_t * 1000;
    const critical = eta_ms !== null && eta_ms - now < (this.opts.leakCriticalWithinS ?? 3600) * 1000;
    const message = leakMessage({
      service,
      kind,
      slope_per_hour: v.slope_per_hour,
      eta_ms,
      limit: ctx.limit,
      top: kind === 'fds' ? ctx.top_targets?.[0] : undefined,
      now,
      timeZone: this.opts.timeZone,
    });
    return this.raise(service, alertKind, critical ? 'critical' : 'warning', message, now, {
      slope_per_hour: v.slope_per_hour,
      eta_t: v.eta_t,
      eta_low_t: v.eta_low_t,
      eta_high_t: v.eta_high_t,
      reason: v.reason,
      limit: ctx.limit,
      top_targets: (ctx.top_targets ?? []).slice(0, 5),
    });
  }

  /**
   * A supervisor or daemon event (kind as in the events table): `crash` (data.reason oom-killed or
   * fd-exhaustion raise their alerts; every crash is counted), `health`, `failed`, `spawn-failed`,
   * `state` (data.to; the reason of a stop is read from `message`), `disk-full`, `disk-recovered`.
   */
  observeEvent(
    service: string | null,
    kind: string,
    data: Record<string, unknown> | undefined,
    now: number,
    message?: string,
  ): Transition[] {
    const d = data ?? {};
    if (kind === 'disk-full' || kind === 'disk-recovered') return this.disk(service, kind, now);
    if (service === null) return [];
    const st = this.state(service);
    switch (kind) {
      case 'crash': {
        st.runningSince = null;
        st.crashes += 1;
        const out: Transition[] = [];
        const loop = this.open.get(key(service, 'crash-loop'));
        if (loop) this.touch(loop, now, this.crashLoopMessage(service, st.crashes), { crashes: st.crashes });
        if (d.reason === 'oom-killed') {
          out.push(
            ...this.raise(
              service,
              'oom-killed',
              'critical',
              message ?? `${service} was killed by the kernel: out of memory`,
              now,
              { ...d },
            ),
          );
        } else if (d.reason === 'fd-exhaustion') {
          out.push(
            ...this.raise(
              service,
              'fd-exhaustion',
              'critical',
              `${service} crashed after running out of file descriptors (EMFILE, “Too many open files”)`,
              now,
              { ...d },
            ),
          );
        }
        return out;
      }
      case 'health': {
        const prev = this.open.get(key(service, 'health'));
        const count = ((prev?.data.count as number | undefined) ?? 0) + 1;
        const severity = count >= (this.opts.healthCriticalAfter ?? 3) ? 'critical' : 'warning';
        const times = count === 1 ? 'once' : `${count} times`;
        return this.raise(
          service,
          'health',
          severity,
          `${service} failed its health check and was restarted ${times}${typeof d.detail === 'string' ? ` (last: ${d.detail})` : ''}`,
          now,
          { ...d, count },
        );
      }
      case 'failed':
      case 'spawn-failed':
        st.runningSince = null;
        return this.raise(
          service,
          'failed',
          'critical',
          message ?? `${service} has failed and is not restarted`,
          now,
          { ...d },
        );
      case 'state': {
        if (typeof d.to !== 'string') return [];
        const reason = /^stopped \(([^)]+)\)$/.exec(message ?? '')?.[1];
        return this.observeStatus(service, d.to, now, reason !== undefined ? { reason } : {});
      }
      default:
        return [];
    }
  }

  /**
   * The service's status changed. `running` starts the clock after which lifecycle alerts resolve
   * (`reset_ms`, the service's backoff.reset); `crash-loop` and `failed` raise their alert;
   * `stopped` (on purpose: not part of a restart) and `scheduled` resolve all of its alerts.
   */
  observeStatus(service: string, status: string, now: number, opts: StatusOptions = {}): Transition[] {
    const st = this.state(service);
    if (opts.reset_ms !== undefined) st.resetMs = opts.reset_ms;
    st.status = status;
    switch (status) {
      case 'running':
        if (st.runningSince === null) st.runningSince = now;
        return this.checkHealthy(service, now);
      case 'crash-loop':
        st.runningSince = null;
        return this.raise(
          service,
          'crash-loop',
          'critical',
          this.crashLoopMessage(service, st.crashes),
          now,
          {
            crashes: st.crashes,
          },
        );
      case 'failed':
        st.runningSince = null;
        // The `failed` event that came first says why: keep its words.
        if (this.open.has(key(service, 'failed'))) return [];
        return this.raise(
          service,
          'failed',
          'critical',
          `${service} has failed and is not restarted`,
          now,
          {},
        );
      case 'stopped':
      case 'scheduled': {
        st.runningSince = null;
        if (status === 'stopped' && opts.reason !== undefined && RESTART_REASONS.has(opts.reason)) return [];
        st.crashes = 0;
        const out: Transition[] = [];
        for (const a of this.openOf(service)) {
          if (a.kind === 'leak-loop' && a.acked_at === null) continue; // only an acknowledgement clears it
          out.push(
            ...this.resolve(
              service,
              a.kind,
              now,
              status === 'stopped' ? 'stopped on purpose' : 'outside its schedule',
            ),
          );
        }
        return out;
      }
      default:
        st.runningSince = null;
        return [];
    }
  }

  /** Resolves lifecycle alerts of services that have now been running for their backoff.reset. */
  tick(now: number): Transition[] {
    const out: Transition[] = [];
    for (const name of this.services.keys()) out.push(...this.checkHealthy(name, now));
    return out;
  }

  /**
   * Consults the leak-restart limiter of a service (state persisted in the store) and raises
   * `leak-loop` when it holds; the caller restarts the service when `decision.action` is `restart`,
   * with `decision.reason` as the exit reason.
   */
  decideLeak(
    service: string,
    cfg: LeakActionConfig,
    input: LeakActionInput,
    now: number,
  ): { decision: LeakDecision; transitions: Transition[] } {
    const before = this.store.leakState(service) ?? INITIAL_LEAK_STATE;
    const decision = decideLeakAction(cfg, before, input, now);
    if (decision.state !== before) this.store.setLeakState(service, decision.state, now);
    const transitions: Transition[] = [];
    if (decision.action !== 'none' && decision.raise === 'leak-loop') {
      // A loop after an acknowledged one is news again: close the old alert, open a new one.
      const old = this.open.get(key(service, 'leak-loop'));
      if (old && old.acked_at !== null)
        transitions.push(...this.resolve(service, 'leak-loop', now, 'superseded'));
      const raised = this.raise(
        service,
        'leak-loop',
        'critical',
        `${service} needed another leak restart (${decision.reason}) within ${formatDuration(cfg.min_interval / 1000)} of the last one; further leak restarts are held until this alert is acknowledged`,
        now,
        { reason: decision.reason, last_restart_at: before.last_restart_at },
      );
      for (const t of raised) {
        // The id is known only once stored; the message tells the user exactly what to run.
        const a = this.open.get(key(service, 'leak-loop'))!;
        this.touch(a, now, `${a.message} (vigil alerts ack ${a.id})`, {});
        t.alert = { ...a };
      }
      transitions.push(...raised);
    }
    const loop = this.open.get(key(service, 'leak-loop'));
    if (decision.action === 'none' && loop && loop.acked_at !== null) {
      transitions.push(...this.resolve(service, 'leak-loop', now, 'acknowledged and no restart is needed'));
    }
    return { decision, transitions };
  }

  /** Acknowledges an alert; acknowledging `leak-loop` lets leak restarts of its service resume. */
  ack(id: number, now: number): Transition[] {
    const a = [...this.open.values()].find((x) => x.id === id) ?? this.store.get(id);
    if (!a)
      throw new VigilError('ALERT_NOT_FOUND', `no alert with id ${id}; see \`vigil alerts\` for the ids`);
    if (a.acked_at !== null) return [];
    a.acked_at = now;
    a.updated_at = now;
    this.store.update(a);
    if (a.kind === 'leak-loop' && a.service !== null) {
      const st = this.store.leakState(a.service);
      if (st) this.store.setLeakState(a.service, releaseLeakHold(st), now);
    }
    return [{ type: 'acked', alert: { ...a } }];
  }

  /** Open and past alerts, newest first. */
  list(q: AlertQuery = {}): Alert[] {
    return this.store.list(q);
  }

  /** The service was removed: its open alerts resolve and its state is dropped. */
  forget(service: string, now: number = Date.now()): Transition[] {
    const out: Transition[] = [];
    for (const a of this.openOf(service))
      out.push(...this.resolve(service, a.kind, now, 'the service was removed'));
    this.services.delete(service);
    this.store.setLeakState(service, null, now);
    return out;
  }

  // ------------------------------------------------------------------ internals

  private state(service: string): ServiceState {
    let st = this.services.get(service);
    if (!st) {
      st = { status: 'stopped', runningSince: null, resetMs: this.opts.defaultResetMs ?? 60_000, crashes: 0 };
      this.services.set(service, st);
    }
    return st;
  }

  private openOf(service: string): Alert[] {
    return [...this.open.values()].filter((a) => a.service === service);
  }

  private crashLoopMessage(service: string, crashes: number): string {
    const n = crashes > 0 ? ` (${crashes} crashes in a row)` : '';
    return `${service} is in a crash loop${n}: it keeps exiting soon after starting; Vigil retries with growing delays`;
  }

  private checkHealthy(service: string, now: number): Transition[] {
    const st = this.services.get(service);
    if (!st || st.status !== 'running' || st.runningSince === null || now - st.runningSince < st.resetMs)
      return [];
    st.crashes = 0;
    const out: Transition[] = [];
    for (const kind of LIFECYCLE) {
      if (this.open.has(key(service, kind))) {
        out.push(
          ...this.resolve(service, kind, now, `running healthily for ${formatDuration(st.resetMs / 1000)}`),
        );
      }
    }
    return out;
  }

  private utilisation(
    service: string | null,
    kind: AlertKind,
    value: number | null,
    limit: number | null,
    th: { warn: number; fail: number },
    now: number,
    words: (u: number, level: 'warning' | 'failure', threshold: number) => string,
  ): Transition[] {
    if (value === null || limit === null || limit <= 0) return [];
    const u = value / limit;
    const a = this.open.get(key(service, kind));
    if (a) {
      if (u < th.warn - this.h) return this.resolve(service, kind, now, `back to ${pct(u)}`);
      // Hysteresis both ways: critical stays critical until clearly below fail.
      const severity: Severity =
        u >= th.fail || (a.severity === 'critical' && u >= th.fail - this.h) ? 'critical' : 'warning';
      if (severity === a.severity && a.data.pct === Math.round(u * 100)) return [];
      const level = severity === 'critical' ? 'failure' : 'warning';
      const t = severity === 'critical' ? th.fail : th.warn;
      return this.raise(service, kind, severity, words(u, level, t), now, {
        value,
        limit,
        pct: Math.round(u * 100),
      });
    }
    if (u < th.warn) return [];
    const critical = u >= th.fail;
    return this.raise(
      service,
      kind,
      critical ? 'critical' : 'warning',
      words(u, critical ? 'failure' : 'warning', critical ? th.fail : th.warn),
      now,
      { value, limit, pct: Math.round(u * 100) },
    );
  }

  private disk(service: string | null, kind: string, now: number): Transition[] {
    const name = service ?? 'vigil';
    if (kind === 'disk-recovered') {
      this.diskFull.delete(name);
      const a = this.open.get(key(null, 'disk-full'));
      if (!a) return [];
      if (this.diskFull.size > 0) {
        this.touch(a, now, this.diskMessage(), { services: [...this.diskFull] });
        return [];
      }
      return this.resolve(null, 'disk-full', now, 'logs are written again');
    }
    this.diskFull.add(name);
    return this.raise(null, 'disk-full', 'critical', this.diskMessage(), now, {
      services: [...this.diskFull],
    });
  }

  private diskMessage(): string {
    const names = [...this.diskFull].join(', ');
    return `the disk holding Vigil's logs is full: log lines of ${names} are counted and dropped until space returns (the services keep running)`;
  }

  /** Opens the alert, or updates the open one: a higher severity is an escalation, anything else a quiet update. */
  private raise(
    service: string | null,
    kind: AlertKind,
    severity: Severity,
    message: string,
    now: number,
    data: Record<string, unknown>,
  ): Transition[] {
    const k = key(service, kind);
    const a = this.open.get(k);
    if (!a) {
      const created = this.store.insert({
        service,
        kind,
        severity,
        status: 'open',
        message,
        opened_at: now,
        updated_at: now,
        resolved_at: null,
        acked_at: null,
        data,
      });
      this.open.set(k, created);
      return [{ type: 'opened', alert: { ...created } }];
    }
    const escalated = RANK[severity] > RANK[a.severity];
    if (!escalated && severity === a.severity && message === a.message) return [];
    a.severity = severity;
    this.touch(a, now, message, data);
    return escalated ? [{ type: 'escalated', alert: { ...a } }] : [];
  }

  private touch(a: Alert, now: number, message: string, data: Record<string, unknown>): void {
    a.message = message;
    a.data = { ...a.data, ...data };
    a.updated_at = now;
    this.store.update(a);
  }

  private resolve(service: string | null, kind: AlertKind, now: number, because: string): Transition[] {
    const k = key(service, kind);
    const a = this.open.get(k);
    if (!a) return [];
    this.open.delete(k);
    a.status = 'resolved';
    a.resolved_at = now;
    a.updated_at = now;
    a.data = { ...a.data, resolved_because: because };
    this.store.update(a);
    return [{ type: 'resolved', alert: { ...a } }];
  }
}
