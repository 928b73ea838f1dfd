import { activeWindow, nextBoundary, nextEdge } from './windows.js';
import type { Calendar, Window } from './types.js';

/** The enforcement loop re-reads the wall clock at least this often (timers drift and cap at 24.8 days). */
export const MAX_CHECK_INTERVAL_MS = 60_000;

/** What hands on the controls changed: persisted with the service so that they survive a daemon restart. */
export interface Overrides {
  /** Set by a manual stop inside a window: the schedule starts nothing before this instant (that window's end). */
  held_until_ms: number | null;
  /**
   * Set by a manual start outside every window: the schedule stops nothing before `until_ms` (the end of the
   * next window); `until_ms` null means no window lies ahead, so it runs until stopped by hand.
   */
  manual_run: { until_ms: number | null } | null;
}

/** Everything `decide` needs about one scheduled service. */
export interface ScheduleState extends Overrides {
  windows: Window[];
  calendars: Record<string, Calendar>;
  /**
   * True while the supervisor keeps the service up (starting, running, stopping for a restart, backoff);
   * false when it is stopped or has failed.
   */
  running: boolean;
  /** When the restart policy gave up on the service (status failed), or null. */
  failed_at_ms?: number | null;
}

/** What the enforcement loop should do now, why, and when to look again. */
export interface Decision {
  action: 'start' | 'stop' | 'none';
  /** One line for the events log, for example "window 09:20–15:15 opened". */
  reason: string;
  /** Wall-clock instant of the next check: the next boundary or an override's end, at most 60 s away. */
  nextCheckMs: number;
}

/** No overrides: the schedule alone decides. */
export const NO_OVERRIDES: Overrides = Object.freeze({ held_until_ms: null, manual_run: null });

/**
 * Overrides after a manual `vigil stop` at `nowMs`: inside a window the stop holds until that window
 * (merged span) ends, so the next window starts the service again; outside every window nothing is held.
 * Either way any manual run is over.
 */
export function overridesAfterManualStop(
  windows: Window[],
  calendars: Record<string, Calendar>,
  nowMs: number,
): Overrides {
  const active = activeWindow(windows, calendars, nowMs);
  return { held_until_ms: active ? active.stopMs : null, manual_run: null };
}

/**
 * Overrides after a manual `vigil start` at `nowMs`: inside a window it clears any hold and the window's end
 * stops the service as usual; outside every window the service runs until stopped by hand or until the end
 * of the next window (the first one to open after now), whichever comes first.
 */
export function overridesAfterManualStart(
  windows: Window[],
  calendars: Record<string, Calendar>,
  nowMs: number,
): Overrides {
  if (activeWindow(windows, calendars, nowMs)) return { held_until_ms: null, manual_run: null };
  const nextStart = nextEdge(windows, calendars, nowMs, 'start');
  const until = nextStart ? activeWindow(windows, calendars, nextStart.atMs) : null;
  return { held_until_ms: null, manual_run: { until_ms: until ? until.stopMs : null } };
}

/**
 * Delay until the next check: until `nextBoundaryMs` if that is sooner than a minute, else a minute (also when
 * there is no boundary). The loop recomputes from the wall clock at every check instead of trusting one long
 * timer, which would drift from the wall clock and cannot exceed 24.8 days.
 */
export function nextCheckDelay(nowMs: number, nextBoundaryMs: number | null): number {
  if (nextBoundaryMs === null) return MAX_CHECK_INTERVAL_MS;
  return Math.max(0, Math.min(MAX_CHECK_INTERVAL_MS, nextBoundaryMs - nowMs));
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * Decide what the schedule wants done at `nowMs`. Pure and level-triggered: it looks only at the state and
 * the clock, so the same call serves each tick and the reconciliation after the daemon was down.
 * - inside a window: start if not running, unless stopped by hand in this window (held) or failed in it;
 * - outside every window: stop if running, unless started by hand and its manual run has not ended.
 */
export function decide(state: ScheduleState, nowMs: number): Decision {
  const active = activeWindow(state.windows, state.calendars, nowMs);
  const boundary = nextBoundary(state.windows, state.calendars, nowMs);
  let wakeMs = boundary ? boundary.atMs : null;
  const wakeAt = (ms: number | null): void => {
    if (ms !== null && ms > nowMs && (wakeMs === null || ms < wakeMs)) wakeMs = ms;
  };
  const held = state.held_until_ms !== null && nowMs < state.held_until_ms;
  const manualRun =
    state.manual_run !== null && (state.manual_run.until_ms === null || nowMs < state.manual_run.until_ms);
  if (held) wakeAt(state.held_until_ms);
  if (manualRun) wakeAt(state.manual_run?.until_ms ?? null);

  let action: Decision['action'] = 'none';
  let reason: string;
  if (active) {
    const span = `window ${iso(active.startMs)}–${iso(active.stopMs)}`;
    if (state.running) reason = `inside ${span}; running`;
    else if (held)
      reason = `inside ${span}, but stopped by hand in it: held until ${iso(state.held_until_ms!)}`;
    else if (state.failed_at_ms != null && state.failed_at_ms >= active.startMs) {
      reason = `inside ${span}, but the restart policy gave up in it; next try at the next window`;
    } else {
      action = 'start';
      reason = `inside ${span}; not running`;
    }
  } else {
    const next = boundary?.kind === 'start' ? `next start ${iso(boundary.atMs)}` : 'no window ahead';
    if (!state.running) reason = `outside every window; ${next}`;
    else if (manualRun) {
      const until = state.manual_run?.until_ms;
      reason = `outside every window, but started by hand: runs until ${until == null ? 'stopped by hand' : iso(until)}`;
    } else {
      action = 'stop';
      reason = `outside every window; running; ${next}`;
    }
  }
  return { action, reason, nextCheckMs: nowMs + nextCheckDelay(nowMs, wakeMs) };
}

/**
 * Milliseconds until the open window (merged span) closes, or null outside every window. The supervisor
 * uses it to skip a leak restart that the window's end would overtake.
 */
export function msUntilWindowEnd(
  windows: Window[],
  calendars: Record<string, Calendar>,
  nowMs: number,
): number | null {
  const active = activeWindow(windows, calendars, nowMs);
  return active ? active.stopMs - nowMs : null;
}
