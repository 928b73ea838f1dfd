import type { IANAZone } from 'luxon';
import { VigilError } from '../errors.js';
import { DAY_MS, dayString, instantOf, parseTimeOfDay, wallOf, zoneNamed } from './local-time.js';
import {
  WEEKDAYS,
  type Calendar,
  type Interval,
  type Occurrence,
  type Weekday,
  type Window,
} from './types.js';

/** How far ahead (and back) the search for a boundary goes before it answers "none": about three years. */
const SEARCH_SPANS_DAYS = [2, 8, 32, 128, 512, 1100];

/** A window checked and parsed once: zone, times in seconds, days as numbers, its calendar. */
export interface CompiledWindow {
  window: Window;
  zone: IANAZone;
  startS: number;
  stopS: number;
  /** Stop at or before start: the window ends on the next local day. */
  overnight: boolean;
  days: ReadonlySet<number>;
  calendar: Calendar | undefined;
}

/** An occurrence that remembers the window it came from. */
interface Run extends Occurrence {
  window: Window;
}

/** A merged span of runs, with the windows that open and close it. */
interface Span extends Interval {
  startWindow: Window;
  stopWindow: Window;
}

/**
 * Check a window and parse its times, days and zone. Throws VigilError (SCHEDULE_INVALID_TIME,
 * SCHEDULE_INVALID_TIMEZONE, SCHEDULE_INVALID_DAYS, SCHEDULE_UNKNOWN_CALENDAR) saying which field is wrong.
 */
export function compileWindow(window: Window, calendar: Calendar | undefined): CompiledWindow {
  const startS = parseTimeOfDay(window.start, 'start time');
  const stopS = parseTimeOfDay(window.stop, 'stop time');
  const zone = zoneNamed(window.timezone);
  if (!Array.isArray(window.days) || window.days.length === 0) {
    throw new VigilError(
      'SCHEDULE_INVALID_DAYS',
      'a schedule window needs at least one day in `days` (mon, tue, wed, thu, fri, sat, sun)',
      { value: window.days },
    );
  }
  const days = new Set<number>();
  for (const d of window.days) {
    const i = WEEKDAYS.indexOf(d);
    if (i < 0) {
      throw new VigilError(
        'SCHEDULE_INVALID_DAYS',
        `invalid day ${JSON.stringify(d)} in a schedule window: use mon, tue, wed, thu, fri, sat or sun`,
        { value: d },
      );
    }
    days.add(i);
  }
  return { window, zone, startS, stopS, overnight: stopS <= startS, days, calendar };
}

/** Compile every window, resolving each one's named calendar in `calendars`. */
export function compileWindows(windows: Window[], calendars: Record<string, Calendar>): CompiledWindow[] {
  return windows.map((w) => {
    let cal: Calendar | undefined;
    if (w.calendar !== undefined) {
      cal = Object.hasOwn(calendars, w.calendar) ? calendars[w.calendar] : undefined;
      if (!cal) {
        throw new VigilError(
          'SCHEDULE_UNKNOWN_CALENDAR',
          `schedule window names calendar ${JSON.stringify(w.calendar)}, which is not declared under \`calendars:\``,
          { calendar: w.calendar },
        );
      }
    }
    return compileWindow(w, cal);
  });
}

function runsOf(cw: CompiledWindow, fromMs: number, toMs: number): Run[] {
  const out: Run[] = [];
  // A run can start up to a day (plus a DST hour) before `fromMs` and still overlap it.
  const firstDay = Math.floor(wallOf(cw.zone, fromMs) / DAY_MS) * DAY_MS - 2 * DAY_MS;
  const lastDay = Math.floor(wallOf(cw.zone, toMs) / DAY_MS) * DAY_MS;
  for (let d = firstDay; d <= lastDay; d += DAY_MS) {
    if (!cw.days.has(new Date(d).getUTCDay())) continue;
    const day = dayString(d);
    if (cw.calendar?.isHoliday(day)) continue;
    const startMs = instantOf(cw.zone, d + cw.startS * 1000);
    const stopMs = instantOf(cw.zone, d + (cw.overnight ? DAY_MS : 0) + cw.stopS * 1000);
    // A window lying wholly inside a skipped hour has start = stop: it does not run that day.
    if (stopMs <= startMs) continue;
    if (stopMs > fromMs && startMs < toMs) out.push({ startMs, stopMs, day, window: cw.window });
  }
  return out;
}

/**
 * Every occurrence of `window` overlapping [fromMs, toMs), in order. Times are in the window's zone; an
 * overnight window belongs to the day it starts; days and holidays are judged on that day.
 */
export function occurrences(
  window: Window,
  calendar: Calendar | undefined,
  fromMs: number,
  toMs: number,
): Occurrence[] {
  return runsOf(compileWindow(window, calendar), fromMs, toMs).map(({ startMs, stopMs, day }) => ({
    startMs,
    stopMs,
    day,
  }));
}

/** Runs of all windows overlapping [fromMs, toMs), merged where they overlap or touch. */
function spans(compiled: CompiledWindow[], fromMs: number, toMs: number): Span[] {
  const runs = compiled.flatMap((cw) => runsOf(cw, fromMs, toMs)).sort((a, b) => a.startMs - b.startMs);
  const out: Span[] = [];
  for (const r of runs) {
    const last = out[out.length - 1];
    if (last && r.startMs <= last.stopMs) {
      if (r.stopMs > last.stopMs) {
        last.stopMs = r.stopMs;
        last.stopWindow = r.window;
      }
    } else {
      out.push({ startMs: r.startMs, stopMs: r.stopMs, startWindow: r.window, stopWindow: r.window });
    }
  }
  return out;
}

/** A boundary of the merged schedule: the service should start or stop at `atMs`. */
export interface Boundary {
  kind: 'start' | 'stop';
  atMs: number;
  /** The window whose occurrence opens (start) or closes (stop) the span. */
  window: Window;
}

/**
 * The first edge after `nowMs` of the given kinds, searching ever wider up to about three years.
 * Edges found strictly inside the searched range are exact: every run that could move them was seen.
 */
function firstEdge(
  compiled: CompiledWindow[],
  nowMs: number,
  kinds: ReadonlySet<Boundary['kind']>,
): Boundary | null {
  if (compiled.length === 0) return null;
  for (const days of SEARCH_SPANS_DAYS) {
    const toMs = nowMs + days * DAY_MS;
    let best: Boundary | null = null;
    for (const s of spans(compiled, nowMs, toMs)) {
      if (kinds.has('start') && s.startMs > nowMs && s.startMs < toMs && (!best || s.startMs < best.atMs)) {
        best = { kind: 'start', atMs: s.startMs, window: s.startWindow };
      }
      if (kinds.has('stop') && s.stopMs > nowMs && s.stopMs < toMs && (!best || s.stopMs < best.atMs)) {
        best = { kind: 'stop', atMs: s.stopMs, window: s.stopWindow };
      }
    }
    if (best) return best;
  }
  return null;
}

const BOTH = new Set<Boundary['kind']>(['start', 'stop']);

/**
 * The next moment after `nowMs` at which the schedule changes: a start (no window open → one opens) or a
 * stop (the last open window closes). Overlapping or touching windows are one span: no stop between
 * them. Null if nothing changes within about three years.
 */
export function nextBoundary(
  windows: Window[],
  calendars: Record<string, Calendar>,
  nowMs: number,
): Boundary | null {
  return firstEdge(compileWindows(windows, calendars), nowMs, BOTH);
}

/** The next start (or stop) strictly after `nowMs`, whichever kind is asked. */
export function nextEdge(
  windows: Window[],
  calendars: Record<string, Calendar>,
  nowMs: number,
  kind: Boundary['kind'],
): Boundary | null {
  return firstEdge(compileWindows(windows, calendars), nowMs, new Set([kind]));
}

/**
 * The span of the schedule containing `nowMs` (start ≤ now < stop), with overlapping or touching
 * occurrences of all windows merged; null when no window is open.
 */
export function activeWindow(
  windows: Window[],
  calendars: Record<string, Calendar>,
  nowMs: number,
): Interval | null {
  const compiled = compileWindows(windows, calendars);
  let found: Interval | null = null;
  for (const days of SEARCH_SPANS_DAYS) {
    const fromMs = nowMs - days * DAY_MS;
    const toMs = nowMs + days * DAY_MS;
    const span = spans(compiled, fromMs, toMs).find((s) => s.startMs <= nowMs && nowMs < s.stopMs);
    if (!span) return null;
    found = { startMs: span.startMs, stopMs: span.stopMs };
    // Edges strictly inside the searched range cannot move; otherwise look wider (a chain of windows).
    if (span.startMs > fromMs && span.stopMs < toMs) return found;
  }
  return found;
}

export type { Weekday };
