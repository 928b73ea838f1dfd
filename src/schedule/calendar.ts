import { readFileSync } from 'node:fs';
import type ICAL from 'ical.js';
import { VigilError, errorMessage } from '../errors.js';
import { ical } from './lazy-libs.js';
import type { Calendar, CalendarSpec } from './types.js';

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Recurring holidays are expanded this many years past their first date (a yearly rule is 100 dates). */
const RECURRENCE_YEARS = 100;
/** Hard stop on one recurring event's expansion, so a DAILY rule without an end stays cheap. */
const RECURRENCE_MAX = 10_000;

/** A calendar loaded from its spec: the set of holiday dates, and how many .ics events were not all-day. */
export interface LoadedCalendar extends Calendar {
  /** Every holiday, sorted. */
  readonly dates: readonly string[];
  /** Timed (not all-day) events of the .ics file, which are ignored. */
  readonly ignoredTimedEvents: number;
}

/** True if `text` is a real calendar date written "YYYY-MM-DD". */
export function isDateString(text: string): boolean {
  const m = DATE_RE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

/**
 * Load a calendar: its `dates` and the all-day events of its `ics` file (multi-day events count every day
 * they cover; recurring events are expanded by ical.js). Throws VigilError naming the calendar and file.
 */
export function loadCalendar(spec: CalendarSpec, name = 'calendar'): LoadedCalendar {
  const set = new Set<string>();
  for (const [i, d] of (spec.dates ?? []).entries()) {
    if (typeof d !== 'string' || !isDateString(d)) {
      throw new VigilError(
        'CALENDAR_INVALID_DATE',
        `calendar ${name}: dates[${i}] ${JSON.stringify(d)} is not a date; write YYYY-MM-DD, for example 2026-01-26`,
        { calendar: name, index: i, value: d },
      );
    }
    set.add(d);
  }
  let ignoredTimedEvents = 0;
  if (spec.ics !== undefined) ignoredTimedEvents = readIcs(spec.ics, name, set);
  const dates = [...set].sort();
  return { dates, ignoredTimedEvents, isHoliday: (day: string) => set.has(day) };
}

/** Load every calendar of the configuration, keyed by name. */
export function loadCalendars(specs: Record<string, CalendarSpec>): Record<string, LoadedCalendar> {
  const out: Record<string, LoadedCalendar> = {};
  for (const [name, spec] of Object.entries(specs)) out[name] = loadCalendar(spec, name);
  return out;
}

function readIcs(file: string, name: string, into: Set<string>): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new VigilError(
      'CALENDAR_ICS_UNREADABLE',
      `calendar ${name}: cannot read ${file}: ${errorMessage(err)}`,
      { calendar: name, file },
    );
  }
  let root: ICAL.Component;
  try {
    const jcal: unknown = ical().parse(text);
    // A file may hold several VCALENDARs; ical.js then returns an array of them.
    const first = Array.isArray(jcal) && Array.isArray(jcal[0]) ? jcal[0] : jcal;
    root = new (ical().Component)(first as unknown[]);
    if (root.name !== 'vcalendar') throw new Error(`expected a VCALENDAR, found ${root.name.toUpperCase()}`);
  } catch (err) {
    throw new VigilError(
      'CALENDAR_ICS_INVALID',
      `calendar ${name}: ${file} is not a valid iCalendar file: ${errorMessage(err)}`,
      { calendar: name, file },
    );
  }
  let timed = 0;
  try {
    for (const component of root.getAllSubcomponents('vevent')) {
      const event = new (ical().Event)(component);
      // Exceptions (RECURRENCE-ID) are applied through their parent's occurrences.
      if (event.isRecurrenceException()) continue;
      if (!event.startDate) continue;
      if (!event.startDate.isDate) {
        timed++;
        continue;
      }
      if (!event.isRecurring()) {
        addRange(event.startDate, event.endDate, into);
        continue;
      }
      const lastYear = event.startDate.year + RECURRENCE_YEARS;
      const it = event.iterator();
      for (let n = 0; n < RECURRENCE_MAX; n++) {
        const next = it.next();
        if (!next || next.year > lastYear) break;
        const details = event.getOccurrenceDetails(next);
        if (details.startDate.isDate) addRange(details.startDate, details.endDate, into);
      }
    }
  } catch (err) {
    throw new VigilError(
      'CALENDAR_ICS_INVALID',
      `calendar ${name}: cannot read the events of ${file}: ${errorMessage(err)}`,
      { calendar: name, file },
    );
  }
  return timed;
}

/** Add every date from `start` up to `end` (exclusive, as iCalendar's DTEND is), at least `start`. */
function addRange(start: ICAL.Time, end: ICAL.Time | null | undefined, into: Set<string>): void {
  const from = Date.UTC(start.year, start.month - 1, start.day);
  const to = end ? Date.UTC(end.year, end.month - 1, end.day) : from + DAY_MS;
  into.add(new Date(from).toISOString().slice(0, 10));
  for (let t = from + DAY_MS; t < to; t += DAY_MS) into.add(new Date(t).toISOString().slice(0, 10));
}
