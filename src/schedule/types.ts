/**
 * Shapes of a schedule as the configuration declares it. They are structurally identical to the
 * config module's types, declared here so that the schedule maths depends on nothing else.
 */

/** A day of the week, as written in vigil.yaml. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** Every weekday, in the order JavaScript's `getUTCDay()` numbers them (0 = Sunday). */
export const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** One time window of a service's `schedule:` list. */
export interface Window {
  /** "HH:MM" or "HH:MM:SS", wall-clock time in `timezone`. */
  start: string;
  /** "HH:MM" or "HH:MM:SS"; a stop at or before `start` means the window ends the next day. */
  stop: string;
  /** Days on which the window starts. */
  days: Weekday[];
  /** IANA time zone name, for example "Asia/Kolkata". */
  timezone: string;
  /** Name of a calendar (top-level `calendars:`) whose dates are holidays for this window. */
  calendar?: string;
}

/** A calendar as declared in vigil.yaml: a list of dates, an iCalendar file, or both. */
export interface CalendarSpec {
  /** Holidays as "YYYY-MM-DD". */
  dates?: string[];
  /** Absolute path of an .ics file whose all-day events are holidays. */
  ics?: string;
}

/** A loaded calendar: answers whether a local date is a holiday. */
export interface Calendar {
  /** True if `day` ("YYYY-MM-DD", a local date in the window's zone) is a holiday. */
  isHoliday(day: string): boolean;
}

/** One run of a window: from its start instant to its stop instant, on the local day it starts. */
export interface Occurrence {
  startMs: number;
  stopMs: number;
  /** The local date ("YYYY-MM-DD", in the window's zone) on which the occurrence starts. */
  day: string;
}

/** A span of time during which the service should run (overlapping or touching occurrences merged). */
export interface Interval {
  startMs: number;
  stopMs: number;
}
