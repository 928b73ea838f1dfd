import { luxon } from './lazy-libs.js';
import { activeWindow, nextEdge } from './windows.js';
import { parseTimeOfDay } from './local-time.js';
import type { Calendar, Window } from './types.js';

/** An instant as `vigil schedule` shows it: in the window's zone with its offset, in UTC, and in ms. */
export interface ShownInstant {
  /** ISO 8601 local time with offset, for example "2026-11-24T09:20:00+05:30". */
  local: string;
  /** The window's IANA zone, for example "Asia/Kolkata". */
  zone: string;
  /** ISO 8601 UTC, for example "2026-11-24T03:50:00Z". */
  utc: string;
  ms: number;
}

/** One service's line of `vigil schedule --json`. */
export interface ScheduleDescription {
  service: string;
  next_start: ShownInstant | null;
  next_stop: ShownInstant | null;
  /** True when a window is open now. */
  active: boolean;
  windows: Array<Window & { summary: string }>;
}

/** Show an instant in a zone (local with offset) and in UTC. */
export function showInstant(ms: number, zone: string): ShownInstant {
  const local = luxon().DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true }) ?? '';
  return { local, zone, utc: new Date(ms).toISOString().replace('.000Z', 'Z'), ms };
}

/** "09:20–15:15 mon,tue,wed,thu,fri Asia/Kolkata, holidays from nse" */
export function summarizeWindow(w: Window): string {
  const overnight = parseTimeOfDay(w.stop) <= parseTimeOfDay(w.start) ? ' (ends next day)' : '';
  const cal = w.calendar ? `, holidays from ${w.calendar}` : '';
  return `${w.start}–${w.stop}${overnight} ${w.days.join(',')} ${w.timezone}${cal}`;
}

/**
 * What `vigil schedule` shows for one service: whether a window is open, the next start after now (if a
 * window is open, the start of the one after it) and the next stop (the open window's end, or the end of
 * the next one), each in the zone of the window it belongs to.
 */
export function describeSchedule(
  name: string,
  windows: Window[],
  calendars: Record<string, Calendar>,
  nowMs: number,
): ScheduleDescription {
  const active = activeWindow(windows, calendars, nowMs) !== null;
  const start = nextEdge(windows, calendars, nowMs, 'start');
  const stop = nextEdge(windows, calendars, nowMs, 'stop');
  return {
    service: name,
    next_start: start ? showInstant(start.atMs, start.window.timezone) : null,
    next_stop: stop ? showInstant(stop.atMs, stop.window.timezone) : null,
    active,
    windows: windows.map((w) => ({ ...w, summary: summarizeWindow(w) })),
  };
}
