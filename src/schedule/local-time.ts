import { IANAZone } from 'luxon';
import { VigilError } from '../errors.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** Seconds after midnight of an "HH:MM" or "HH:MM:SS" time; throws SCHEDULE_INVALID_TIME otherwise. */
export function parseTimeOfDay(text: string, what = 'time'): number {
  const m = typeof text === 'string' ? TIME_RE.exec(text) : null;
  if (!m) {
    throw new VigilError(
      'SCHEDULE_INVALID_TIME',
      `invalid ${what} ${JSON.stringify(text)}: expected HH:MM or HH:MM:SS between 00:00 and 23:59:59 (24-hour clock, two-digit hours)`,
      { value: text },
    );
  }
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
}

/** The IANA zone of that name; throws SCHEDULE_INVALID_TIMEZONE if the runtime does not know it. */
export function zoneNamed(name: string): IANAZone {
  if (typeof name !== 'string' || !IANAZone.isValidZone(name)) {
    throw new VigilError(
      'SCHEDULE_INVALID_TIMEZONE',
      `unknown time zone ${JSON.stringify(name)}: use an IANA name such as "Europe/London" or "Asia/Kolkata"`,
      { value: name },
    );
  }
  return IANAZone.create(name);
}

function offsetMs(zone: IANAZone, ms: number): number {
  return zone.offset(ms) * MINUTE_MS;
}

/**
 * Wall-clock time of an instant in a zone, encoded as milliseconds since 1970-01-01T00:00 of that wall
 * clock (so `new Date(wall).getUTC*()` reads the local fields).
 */
export function wallOf(zone: IANAZone, ms: number): number {
  return ms + offsetMs(zone, ms);
}

/**
 * The instant at which a zone's clocks show a wall time (encoded as by `wallOf`).
 *
 * Daylight-saving rules: a wall time shown twice (clocks go back) resolves to its first occurrence; a
 * wall time never shown (clocks go forward over it) resolves to the first instant after it, which is the
 * instant of the change (02:30 on a day that jumps from 02:00 to 03:00 resolves to 03:00).
 */
export function instantOf(zone: IANAZone, wall: number): number {
  // The instant lies within a day of `wall`; the offsets in force around it are the only candidates.
  const offsets = [
    ...new Set([offsetMs(zone, wall - DAY_MS), offsetMs(zone, wall), offsetMs(zone, wall + DAY_MS)]),
  ];
  let first = Infinity;
  for (const o of offsets) {
    const t = wall - o;
    if (offsetMs(zone, t) === o && t < first) first = t;
  }
  if (first !== Infinity) return first;
  // In a gap: the offset rises from `low` to `high` at an instant T with wall - high < T <= wall - low.
  const low = Math.min(...offsets);
  const high = Math.max(...offsets);
  let before = wall - high;
  let after = wall - low;
  const offBefore = offsetMs(zone, before);
  while (after - before > 1) {
    const mid = Math.floor((before + after) / 2);
    if (offsetMs(zone, mid) === offBefore) before = mid;
    else after = mid;
  }
  return after;
}

/** The local date "YYYY-MM-DD" of a wall time encoded as by `wallOf`. */
export function dayString(wall: number): string {
  return new Date(wall).toISOString().slice(0, 10);
}

export { DAY_MS };
