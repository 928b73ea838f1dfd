import type { IANAZone } from 'luxon';
import { VigilError } from '../errors.js';
import { luxon } from './lazy-libs.js';

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

const validZones = new Map<string, IANAZone>();

/** The IANA zone of that name; throws SCHEDULE_INVALID_TIMEZONE if the runtime does not know it. */
export function zoneNamed(name: string): IANAZone {
  // Checking a name builds an Intl formatter (most of a schedule computation's cost): check each once.
  const known = typeof name === 'string' ? validZones.get(name) : undefined;
  if (known) return known;
  if (typeof name !== 'string' || !luxon().IANAZone.isValidZone(name)) {
    throw new VigilError(
      'SCHEDULE_INVALID_TIMEZONE',
      `unknown time zone ${JSON.stringify(name)}: use an IANA name such as "Europe/London" or "Asia/Kolkata"`,
      { value: name },
    );
  }
  const zone = luxon().IANAZone.create(name);
  validZones.set(name, zone);
  return zone;
}

// Asking Intl for an offset costs several µs, and neighbouring days ask for the same instants (one day's
// `wall + DAY` is the next day's `wall`), so answers are remembered, a bounded number per zone.
const OFFSET_MEMO_SIZE = 4096;
const offsetMemo = new WeakMap<IANAZone, Map<number, number>>();

function offsetMs(zone: IANAZone, ms: number): number {
  let memo = offsetMemo.get(zone);
  if (!memo) offsetMemo.set(zone, (memo = new Map()));
  let off = memo.get(ms);
  if (off === undefined) {
    off = zone.offset(ms) * MINUTE_MS;
    if (memo.size >= OFFSET_MEMO_SIZE) memo.clear();
    memo.set(ms, off);
  }
  return off;
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
  // One offset all around (zones change clocks at most once in two days): nothing ambiguous, no gap.
  if (offsets.length === 1) return wall - offsets[0]!;
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
