import { errorMessage } from '../errors.js';
import { describeSchedule, showInstant, type ScheduleDescription, type ShownInstant } from './describe.js';
import {
  decide,
  MAX_CHECK_INTERVAL_MS,
  msUntilWindowEnd,
  NO_OVERRIDES,
  overridesAfterManualStart,
  overridesAfterManualStop,
  type Overrides,
} from './scheduler.js';
import type { Calendar, Window } from './types.js';
import { activeWindow } from './windows.js';

/** One scheduled service as the enforcer sees it at a given moment. */
export interface ScheduledTarget {
  name: string;
  windows: Window[];
  /** The calendars its windows may name (those of the file it came from). */
  calendars: Record<string, Calendar>;
  /** True while the supervisor keeps it up (starting, running, backoff, stopping). */
  running: boolean;
  /** When the restart policy gave up on it (status failed), or null. */
  failedAtMs: number | null;
}

/** Why a start failed, if it did (for example `MAX_CONCURRENT`). */
export interface StartFailure {
  code: string;
  message: string;
}

/** What the enforcer needs from the daemon: the services, the controls, persistence and events. */
export interface EnforcerHost {
  /** Every service that has a schedule, as it is now. */
  targets(): ScheduledTarget[];
  /** Starts a service for the schedule; returns why it did not start, or null. */
  start(name: string): StartFailure | null;
  /** Stops a service gracefully for the schedule. */
  stop(name: string): Promise<unknown>;
  /** Overrides persisted for a service (null: none). */
  loadOverrides(name: string): Overrides | null;
  saveOverrides(name: string, o: Overrides | null): void;
  event(e: { service: string; kind: string; message: string; data?: Record<string, unknown> }): void;
}

/** The wall clock and a timer (a fake one in tests). */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** The real clock: Date.now() for the wall time, setTimeout (unref'd) for the wake-ups. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A line of `vigil schedule --json`: the schedule's description and the manual overrides in force. */
export interface ScheduleEntry extends ScheduleDescription {
  /** Stopped by hand inside a window: not started again before this instant. */
  held_until: ShownInstant | null;
  /** Started by hand outside every window: not stopped before `until` (null: until stopped by hand). */
  manual_run: { until: ShownInstant | null } | null;
}

/** What `vigil ls` adds for a scheduled service. */
export interface ScheduleStatus {
  /** True when the service is down and waits for a window (not held, not failed in an open window). */
  waiting: boolean;
  next_start: ShownInstant | null;
  /** Overrides in force, as conditions shown beside the status. */
  conditions: string[];
}

/** A memory or leak restart is skipped when the open window closes within this (the close stops it anyway). */
export const RESTART_SKIP_MS = 60_000;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function isOver(o: Overrides, nowMs: number): boolean {
  const holdOver = o.held_until_ms === null || nowMs >= o.held_until_ms;
  const runOver = o.manual_run === null || (o.manual_run.until_ms !== null && nowMs >= o.manual_run.until_ms);
  return holdOver && runOver;
}

/**
 * The enforcement loop: at each tick it reads the wall clock, asks `decide` what every scheduled service
 * needs and starts or stops it. It wakes at the next boundary or within a minute, whichever comes first,
 * and recomputes from the wall clock every time (a timer drifts, and cannot wait past 24.8 days).
 */
export class ScheduleEnforcer {
  private readonly overrides = new Map<string, Overrides>();
  /** The schedule (windows JSON) each service had at the last tick: a change clears its overrides. */
  private readonly seen = new Map<string, string>();
  /** Wall-clock instant each service's last decision asked to be looked at again. */
  private readonly expected = new Map<string, number>();
  /** Window (start ms) in which a start was refused for max_concurrent: reported once, retried each tick. */
  private readonly refused = new Map<string, number>();
  /** Window end for which a skipped restart was already reported. */
  private readonly skipReported = new Map<string, number>();
  private timer: unknown = null;
  private started = false;
  /** Lateness (ms) of the last start or stop made at a boundary, for tests and diagnostics. */
  lastLatenessMs: number | null = null;

  constructor(
    private readonly host: EnforcerHost,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Loads the persisted overrides and reconciles at once (the daemon may have been down at a boundary):
   * inside a window a service starts unless stopped by hand in it; outside, it stops unless started by hand.
   */
  start(): void {
    this.started = true;
    for (const t of this.host.targets()) {
      const o = this.host.loadOverrides(t.name);
      if (o) this.overrides.set(t.name, o);
      this.seen.set(t.name, JSON.stringify(t.windows));
    }
    this.tick(false);
  }

  /** Stops the loop (daemon shutdown). */
  stop(): void {
    this.started = false;
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
  }

  /** Re-decides now, for example after `apply` changed schedules. */
  refresh(): void {
    if (this.started) this.tick(false);
  }

  private targetOf(name: string): ScheduledTarget | undefined {
    return this.host.targets().find((t) => t.name === name);
  }

  private setOverrides(name: string, o: Overrides): void {
    const none = o.held_until_ms === null && o.manual_run === null;
    if (none) this.overrides.delete(name);
    else this.overrides.set(name, o);
    this.host.saveOverrides(name, none ? null : o);
  }

  /** Records a `vigil stop` by hand: inside a window it holds the service down until the window ends. */
  manualStop(name: string): void {
    const t = this.targetOf(name);
    if (!t) return;
    const now = this.clock.now();
    const o = overridesAfterManualStop(t.windows, t.calendars, now);
    this.setOverrides(name, o);
    if (o.held_until_ms !== null)
      this.host.event({
        service: name,
        kind: 'schedule',
        message: `${name}: stopped by hand inside its window; held down until ${iso(o.held_until_ms)}`,
        data: { held_until_ms: o.held_until_ms },
      });
    this.refresh();
  }

  /**
   * Records a `vigil start` (or restart) by hand: outside every window the service runs until stopped by
   * hand or until the end of the next window; inside a window it clears any hold.
   */
  manualStart(name: string): void {
    const t = this.targetOf(name);
    if (!t) return;
    const now = this.clock.now();
    const o = overridesAfterManualStart(t.windows, t.calendars, now);
    this.setOverrides(name, o);
    this.refused.delete(name);
    if (o.manual_run)
      this.host.event({
        service: name,
        kind: 'schedule',
        message: `${name}: started by hand outside its windows; runs until ${o.manual_run.until_ms === null ? 'stopped by hand' : iso(o.manual_run.until_ms)}`,
        data: { manual_run_until_ms: o.manual_run.until_ms },
      });
    this.refresh();
  }

  /**
   * False when the restart policy must leave a crashed service down: it is scheduled, no window is open
   * and it was not started by hand for a run still in force.
   */
  mayRestart(name: string): boolean {
    const t = this.targetOf(name);
    if (!t) return true;
    const now = this.clock.now();
    if (activeWindow(t.windows, t.calendars, now)) return true;
    const o = this.overrides.get(name);
    return !!o?.manual_run && (o.manual_run.until_ms === null || now < o.manual_run.until_ms);
  }

  /**
   * Whether a resource-driven graceful restart (memory threshold, leak) should be skipped because the open
   * window closes within RESTART_SKIP_MS: the stop at the close ends the run anyway. `report` is true once
   * per window, so that the event is not repeated at every sample.
   */
  skipRestart(name: string): { reason: string; report: boolean } | null {
    const t = this.targetOf(name);
    if (!t) return null;
    const now = this.clock.now();
    const left = msUntilWindowEnd(t.windows, t.calendars, now);
    if (left === null || left > RESTART_SKIP_MS) return null;
    const end = now + left;
    const report = this.skipReported.get(name) !== end;
    this.skipReported.set(name, end);
    return { reason: `its window closes at ${iso(end)}, in ${Math.round(left / 1000)} s`, report };
  }

  /** Status details of a scheduled service for `vigil ls`, or null if it has no schedule. */
  status(name: string, svcStatus: string): ScheduleStatus | null {
    const t = this.targetOf(name);
    if (!t) return null;
    const now = this.clock.now();
    const d = describeSchedule(name, t.windows, t.calendars, now);
    const o = this.overrides.get(name) ?? NO_OVERRIDES;
    const held = o.held_until_ms !== null && now < o.held_until_ms;
    const conditions: string[] = [];
    if (held) conditions.push(`held until ${iso(o.held_until_ms!)}`);
    if (o.manual_run && (o.manual_run.until_ms === null || now < o.manual_run.until_ms))
      conditions.push(
        `started by hand, until ${o.manual_run.until_ms === null ? 'stopped' : iso(o.manual_run.until_ms)}`,
      );
    const waiting = svcStatus === 'stopped' && (!d.active || held);
    return { waiting, next_start: d.next_start, conditions };
  }

  /** `vigil schedule`: every scheduled service with its next start and stop and its overrides. */
  describe(): ScheduleEntry[] {
    const now = this.clock.now();
    return this.host
      .targets()
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((t) => {
        const d = describeSchedule(t.name, t.windows, t.calendars, now);
        const zone = t.windows[0]!.timezone;
        const o = this.overrides.get(t.name) ?? NO_OVERRIDES;
        const show = (ms: number): ShownInstant => showInstant(ms, zone);
        return {
          ...d,
          held_until: o.held_until_ms !== null && now < o.held_until_ms ? show(o.held_until_ms) : null,
          manual_run:
            o.manual_run && (o.manual_run.until_ms === null || now < o.manual_run.until_ms)
              ? { until: o.manual_run.until_ms === null ? null : show(o.manual_run.until_ms) }
              : null,
        };
      });
  }

  /** One pass: decide for every scheduled service, act, and arm the next wake-up. */
  private tick(fromTimer: boolean): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    if (!this.started) return;
    const now = this.clock.now();
    let wake = now + MAX_CHECK_INTERVAL_MS;
    const names = new Set<string>();
    for (const t of this.host.targets()) {
      names.add(t.name);
      try {
        const next = this.decideOne(t, now, fromTimer);
        if (next < wake) wake = next;
      } catch (err) {
        this.host.event({
          service: t.name,
          kind: 'schedule-error',
          message: `${t.name}: schedule enforcement failed: ${errorMessage(err)}`,
        });
      }
    }
    for (const map of [this.overrides, this.seen, this.expected, this.refused, this.skipReported])
      for (const name of [...map.keys()]) if (!names.has(name)) map.delete(name);
    this.timer = this.clock.setTimer(() => this.tick(true), Math.max(0, wake - this.clock.now()));
  }

  private decideOne(t: ScheduledTarget, now: number, fromTimer: boolean): number {
    const shape = JSON.stringify(t.windows);
    const before = this.seen.get(t.name);
    if (before !== undefined && before !== shape && this.overrides.has(t.name)) {
      this.setOverrides(t.name, NO_OVERRIDES);
      this.host.event({
        service: t.name,
        kind: 'schedule',
        message: `${t.name}: schedule changed; manual overrides cleared`,
      });
    }
    this.seen.set(t.name, shape);
    let o = this.overrides.get(t.name) ?? NO_OVERRIDES;
    if (o !== NO_OVERRIDES && isOver(o, now)) {
      this.setOverrides(t.name, NO_OVERRIDES);
      o = NO_OVERRIDES;
    }
    const active = activeWindow(t.windows, t.calendars, now);
    const refusedIn = this.refused.get(t.name);
    if (refusedIn !== undefined && (!active || active.startMs !== refusedIn)) this.refused.delete(t.name);
    const d = decide(
      {
        windows: t.windows,
        calendars: t.calendars,
        running: t.running,
        // A max_concurrent refusal is not a give-up: the start is retried at each tick of the window.
        failed_at_ms: this.refused.has(t.name) ? null : t.failedAtMs,
        ...o,
      },
      now,
    );
    const expected = this.expected.get(t.name);
    this.expected.set(t.name, d.nextCheckMs);
    if (d.action === 'none') return d.nextCheckMs;
    const latenessMs = fromTimer && expected !== undefined && expected <= now ? now - expected : null;
    if (latenessMs !== null) this.lastLatenessMs = latenessMs;
    const data = { reason: d.reason, lateness_ms: latenessMs };
    if (d.action === 'start') {
      const failure = this.host.start(t.name);
      if (!failure) {
        this.refused.delete(t.name);
        this.host.event({
          service: t.name,
          kind: 'schedule',
          message: `${t.name}: started by its schedule (${d.reason})`,
          data,
        });
      } else if (failure.code === 'MAX_CONCURRENT') {
        if (this.refused.get(t.name) !== active?.startMs)
          this.host.event({
            service: t.name,
            kind: 'schedule-refused',
            message: `${t.name}: its window opened but the start was refused: ${failure.message}; retried at least every minute while the window is open`,
            data: { ...data, code: failure.code },
          });
        if (active) this.refused.set(t.name, active.startMs);
      } else {
        this.host.event({
          service: t.name,
          kind: 'schedule-error',
          message: `${t.name}: its window opened but it did not start: ${failure.message}`,
          data: { ...data, code: failure.code },
        });
      }
    } else {
      this.host.event({
        service: t.name,
        kind: 'schedule',
        message: `${t.name}: stopped by its schedule (${d.reason})`,
        data,
      });
      void this.host.stop(t.name).catch((err: unknown) =>
        this.host.event({
          service: t.name,
          kind: 'schedule-error',
          message: `${t.name}: stop at the end of its window failed: ${errorMessage(err)}`,
        }),
      );
    }
    return d.nextCheckMs;
  }
}
