import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeWindow, nextBoundary, occurrences } from '../../../src/schedule/windows.js';
import { loadCalendar } from '../../../src/schedule/calendar.js';
import type { Window } from '../../../src/schedule/types.js';
import { fixture } from '../../helpers/paths.js';

const ms = (iso: string): number => Date.parse(iso);
const iso = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');
const DAY = 86_400_000;

const NSE: Window = {
  start: '09:20',
  stop: '15:15',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  timezone: 'Asia/Kolkata',
};

function shown(list: { startMs: number; stopMs: number; day: string }[]): string[] {
  return list.map((o) => `${o.day} ${iso(o.startMs)} ${iso(o.stopMs)}`);
}

test('weekday window in Asia/Kolkata yields one occurrence per weekday at 09:20–15:15 IST', () => {
  // 2026-11-21 is a Saturday; IST is UTC+05:30 all year.
  const got = occurrences(NSE, undefined, ms('2026-11-21T00:00:00Z'), ms('2026-11-29T00:00:00Z'));
  assert.deepEqual(shown(got), [
    '2026-11-23 2026-11-23T03:50:00Z 2026-11-23T09:45:00Z',
    '2026-11-24 2026-11-24T03:50:00Z 2026-11-24T09:45:00Z',
    '2026-11-25 2026-11-25T03:50:00Z 2026-11-25T09:45:00Z',
    '2026-11-26 2026-11-26T03:50:00Z 2026-11-26T09:45:00Z',
    '2026-11-27 2026-11-27T03:50:00Z 2026-11-27T09:45:00Z',
  ]);
});

test('occurrences include a run that started before the range and is still open', () => {
  const got = occurrences(NSE, undefined, ms('2026-11-23T05:00:00Z'), ms('2026-11-23T06:00:00Z'));
  assert.deepEqual(shown(got), ['2026-11-23 2026-11-23T03:50:00Z 2026-11-23T09:45:00Z']);
});

test('overnight window 21:00–02:00 belongs to the day it starts (friday night runs into saturday)', () => {
  const w: Window = { start: '21:00', stop: '02:00', days: ['fri'], timezone: 'Europe/London' };
  const got = occurrences(w, undefined, ms('2026-11-23T00:00:00Z'), ms('2026-11-30T00:00:00Z'));
  assert.deepEqual(shown(got), ['2026-11-27 2026-11-27T21:00:00Z 2026-11-28T02:00:00Z']);
  // Saturday 01:00 is inside Friday's window; Saturday 21:00 is not a window (saturday is not listed).
  assert.deepEqual(activeWindow([w], {}, ms('2026-11-28T01:00:00Z')), {
    startMs: ms('2026-11-27T21:00:00Z'),
    stopMs: ms('2026-11-28T02:00:00Z'),
  });
  assert.equal(activeWindow([w], {}, ms('2026-11-28T21:30:00Z')), null);
  assert.equal(activeWindow([w], {}, ms('2026-11-28T02:00:00Z')), null, 'the stop instant is outside');
  assert.notEqual(activeWindow([w], {}, ms('2026-11-27T21:00:00Z')), null, 'the start instant is inside');
});

test('overnight window skipped by a holiday on its start day, not by one on the day it ends', () => {
  const w: Window = {
    start: '21:00',
    stop: '02:00',
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    timezone: 'UTC',
    calendar: 'h',
  };
  const cals = { h: loadCalendar({ dates: ['2026-11-24', '2026-11-26'] }) };
  const got = occurrences(w, cals.h, ms('2026-11-23T12:00:00Z'), ms('2026-11-27T12:00:00Z'));
  // Tuesday 24 and Thursday 26 are holidays: their evening windows go; Monday's and Wednesday's run
  // into the holiday morning regardless.
  assert.deepEqual(shown(got), [
    '2026-11-23 2026-11-23T21:00:00Z 2026-11-24T02:00:00Z',
    '2026-11-25 2026-11-25T21:00:00Z 2026-11-26T02:00:00Z',
  ]);
  assert.notEqual(activeWindow([w], cals, ms('2026-11-24T01:00:00Z')), null);
  assert.equal(activeWindow([w], cals, ms('2026-11-24T22:00:00Z')), null);
});

test('a stop equal to the start is a 24-hour window ending the next day', () => {
  const w: Window = { start: '06:00', stop: '06:00', days: ['wed'], timezone: 'UTC' };
  const got = occurrences(w, undefined, ms('2026-11-23T00:00:00Z'), ms('2026-11-30T00:00:00Z'));
  assert.deepEqual(shown(got), ['2026-11-25 2026-11-25T06:00:00Z 2026-11-26T06:00:00Z']);
});

test('several windows a day: the next boundary walks through each start and stop', () => {
  const ws: Window[] = [
    { start: '09:00', stop: '11:00', days: ['mon'], timezone: 'UTC' },
    { start: '13:00:30', stop: '15:00', days: ['mon'], timezone: 'UTC' },
  ];
  const seen: string[] = [];
  let now = ms('2026-11-23T00:00:00Z');
  for (let i = 0; i < 5; i++) {
    const b = nextBoundary(ws, {}, now);
    assert.ok(b);
    seen.push(`${b.kind} ${iso(b.atMs)}`);
    now = b.atMs;
  }
  assert.deepEqual(seen, [
    'start 2026-11-23T09:00:00Z',
    'stop 2026-11-23T11:00:00Z',
    'start 2026-11-23T13:00:30Z',
    'stop 2026-11-23T15:00:00Z',
    'start 2026-11-30T09:00:00Z',
  ]);
});

test('overlapping and touching windows merge: no stop and start between them', () => {
  const ws: Window[] = [
    { start: '09:00', stop: '12:00', days: ['mon'], timezone: 'UTC' },
    { start: '12:00', stop: '13:00', days: ['mon'], timezone: 'UTC' },
    { start: '12:30', stop: '14:00', days: ['mon'], timezone: 'UTC' },
  ];
  const b = nextBoundary(ws, {}, ms('2026-11-23T10:00:00Z'));
  assert.equal(b?.kind, 'stop');
  assert.equal(iso(b.atMs), '2026-11-23T14:00:00Z');
  assert.equal(b.window, ws[2], 'the window that closes the span is named');
  assert.deepEqual(activeWindow(ws, {}, ms('2026-11-23T12:00:00Z')), {
    startMs: ms('2026-11-23T09:00:00Z'),
    stopMs: ms('2026-11-23T14:00:00Z'),
  });
});

test('windows in different zones combine (London morning and New York afternoon)', () => {
  const ws: Window[] = [
    { start: '08:00', stop: '09:00', days: ['tue'], timezone: 'Europe/London' },
    { start: '08:00', stop: '09:00', days: ['tue'], timezone: 'America/New_York' },
  ];
  const now = ms('2026-11-24T08:30:00Z');
  assert.equal(iso(nextBoundary(ws, {}, now)!.atMs), '2026-11-24T09:00:00Z');
  assert.equal(iso(nextBoundary(ws, {}, ms('2026-11-24T09:00:00Z'))!.atMs), '2026-11-24T13:00:00Z');
});

test('days filter: a weekend window waits through the week', () => {
  const w: Window = { start: '10:00', stop: '16:00', days: ['sat', 'sun'], timezone: 'UTC' };
  const b = nextBoundary([w], {}, ms('2026-11-23T10:00:00Z'));
  assert.deepEqual([b?.kind, iso(b!.atMs)], ['start', '2026-11-28T10:00:00Z']);
  assert.equal(activeWindow([w], {}, ms('2026-11-25T12:00:00Z')), null);
});

test('holiday from a dates list skips the window that starts on it', () => {
  const cals = { nse: loadCalendar({ dates: ['2026-11-24'] }) };
  const w = { ...NSE, calendar: 'nse' };
  const got = occurrences(w, cals.nse, ms('2026-11-23T00:00:00Z'), ms('2026-11-26T00:00:00Z'));
  assert.deepEqual(
    got.map((o) => o.day),
    ['2026-11-23', '2026-11-25'],
  );
  const b = nextBoundary([w], cals, ms('2026-11-23T10:00:00Z'));
  assert.equal(iso(b!.atMs), '2026-11-25T03:50:00Z', 'after Monday the next start skips Tuesday');
});

test('holidays from an .ics file: single-day, multi-day, yearly events skip trading days', () => {
  const cals = { nse: loadCalendar({ ics: fixture('schedule', 'holidays.ics') }, 'nse') };
  const w = { ...NSE, calendar: 'nse' };
  // Republic Day, Monday 2026-01-26: the window of that week starts on Tuesday.
  const jan = occurrences(w, cals.nse, ms('2026-01-24T00:00:00Z'), ms('2026-01-29T00:00:00Z'));
  assert.deepEqual(
    jan.map((o) => o.day),
    ['2026-01-27', '2026-01-28'],
  );
  // Year-end closure Thu 24 – Sat 26 Dec and New Year's Day (Fri 1 Jan 2027, from a yearly rule).
  const dec = occurrences(w, cals.nse, ms('2026-12-21T00:00:00Z'), ms('2027-01-05T00:00:00Z'));
  assert.deepEqual(
    dec.map((o) => o.day),
    [
      '2026-12-21',
      '2026-12-22',
      '2026-12-23',
      '2026-12-28',
      '2026-12-29',
      '2026-12-30',
      '2026-12-31',
      '2027-01-04',
    ],
  );
});

test('next boundary more than 24.8 days away is found (a long run of holidays)', () => {
  // Every Monday from 2026-11-30 to 2027-03-01 is a holiday: the next Monday window is 2027-03-08.
  const dates: string[] = [];
  for (let t = ms('2026-11-30T00:00:00Z'); t <= ms('2027-03-01T00:00:00Z'); t += 7 * DAY) {
    dates.push(new Date(t).toISOString().slice(0, 10));
  }
  const cals = { h: loadCalendar({ dates }) };
  const w: Window = {
    start: '09:00',
    stop: '10:00',
    days: ['mon'],
    timezone: 'Europe/London',
    calendar: 'h',
  };
  const now = ms('2026-11-23T12:00:00Z');
  const b = nextBoundary([w], cals, now);
  assert.equal(b?.kind, 'start');
  assert.equal(iso(b.atMs), '2027-03-08T09:00:00Z');
  assert.ok(b.atMs - now > 2 ** 31 - 1, 'further away than one setTimeout can wait');
});

test('no boundary within the search horizon gives null, not a hang', () => {
  const w: Window = { start: '09:00', stop: '10:00', days: ['mon'], timezone: 'UTC', calendar: 'h' };
  const dates: string[] = [];
  for (let t = ms('2026-11-23T00:00:00Z'); t < ms('2030-01-01T00:00:00Z'); t += 7 * DAY) {
    dates.push(new Date(t).toISOString().slice(0, 10));
  }
  assert.equal(nextBoundary([w], { h: loadCalendar({ dates }) }, ms('2026-11-23T00:00:00Z')), null);
  assert.equal(nextBoundary([], {}, ms('2026-11-23T00:00:00Z')), null);
});

// --- Daylight saving. Expected instants are worked out by hand from the zones' rules. ---

test('London spring forward: 01:30 (skipped) starts once at 02:00 BST, the first valid time after it', () => {
  // 2026-03-29: clocks go from 01:00 GMT to 02:00 BST (01:00Z).
  const w: Window = { start: '01:30', stop: '04:00', days: ['sun'], timezone: 'Europe/London' };
  const got = occurrences(w, undefined, ms('2026-03-28T00:00:00Z'), ms('2026-03-30T00:00:00Z'));
  assert.deepEqual(shown(got), ['2026-03-29 2026-03-29T01:00:00Z 2026-03-29T03:00:00Z']);
});

test('London fall back: 01:30 (repeated) runs once, at its first occurrence (BST)', () => {
  // 2026-10-25: clocks go from 02:00 BST back to 01:00 GMT; 01:30 happens at 00:30Z and 01:30Z.
  const w: Window = { start: '01:30', stop: '01:45', days: ['sun'], timezone: 'Europe/London' };
  const got = occurrences(w, undefined, ms('2026-10-24T00:00:00Z'), ms('2026-10-26T00:00:00Z'));
  assert.deepEqual(shown(got), ['2026-10-25 2026-10-25T00:30:00Z 2026-10-25T00:45:00Z']);
  assert.equal(activeWindow([w], {}, ms('2026-10-25T01:35:00Z')), null, 'the second 01:30–01:45 is outside');
});

test('New York spring forward and fall back: 02:30 → 03:00 EDT; 01:30 → first (EDT)', () => {
  const spring: Window = { start: '02:30', stop: '04:00', days: ['sun'], timezone: 'America/New_York' };
  assert.deepEqual(
    shown(occurrences(spring, undefined, ms('2026-03-08T00:00:00Z'), ms('2026-03-09T00:00:00Z'))),
    ['2026-03-08 2026-03-08T07:00:00Z 2026-03-08T08:00:00Z'],
  );
  const fall: Window = { start: '01:30', stop: '03:00', days: ['sun'], timezone: 'America/New_York' };
  assert.deepEqual(
    shown(occurrences(fall, undefined, ms('2026-11-01T00:00:00Z'), ms('2026-11-02T00:00:00Z'))),
    ['2026-11-01 2026-11-01T05:30:00Z 2026-11-01T08:00:00Z'],
  );
});

test('Sydney spring forward (October): 02:30 (skipped) starts once at 03:00 AEDT', () => {
  // 2026-10-04: clocks go from 02:00 AEST (+10) to 03:00 AEDT (+11) = 2026-10-03T16:00Z.
  const w: Window = { start: '02:30', stop: '05:00', days: ['sun'], timezone: 'Australia/Sydney' };
  const got = occurrences(w, undefined, ms('2026-10-02T00:00:00Z'), ms('2026-10-05T00:00:00Z'));
  assert.deepEqual(shown(got), ['2026-10-04 2026-10-03T16:00:00Z 2026-10-03T18:00:00Z']);
});

test('Sydney fall back (April): 02:30 (repeated) runs once, at its first occurrence (AEDT)', () => {
  // 2026-04-05: clocks go from 03:00 AEDT (+11) back to 02:00 AEST (+10); 02:30 is 15:30Z and 16:30Z.
  const w: Window = { start: '02:30', stop: '02:50', days: ['sun'], timezone: 'Australia/Sydney' };
  const got = occurrences(w, undefined, ms('2026-04-03T00:00:00Z'), ms('2026-04-06T00:00:00Z'));
  assert.deepEqual(shown(got), ['2026-04-05 2026-04-04T15:30:00Z 2026-04-04T15:50:00Z']);
  assert.equal(activeWindow([w], {}, ms('2026-04-04T16:35:00Z')), null);
});

test('a window wholly inside the skipped hour does not run that day (start and stop both become 02:00 BST)', () => {
  const w: Window = { start: '01:10', stop: '01:50', days: ['sat', 'sun', 'mon'], timezone: 'Europe/London' };
  const got = occurrences(w, undefined, ms('2026-03-28T00:00:00Z'), ms('2026-03-31T00:00:00Z'));
  assert.deepEqual(
    got.map((o) => o.day),
    ['2026-03-28', '2026-03-30'],
  );
});

test('overnight windows across DST nights are an hour shorter (spring) or longer (autumn)', () => {
  const w: Window = { start: '21:00', stop: '02:00', days: ['sat'], timezone: 'Europe/London' };
  const [spring] = occurrences(w, undefined, ms('2026-03-28T12:00:00Z'), ms('2026-03-29T12:00:00Z'));
  assert.equal(spring!.stopMs - spring!.startMs, 4 * 3_600_000);
  const [autumn] = occurrences(w, undefined, ms('2026-10-24T12:00:00Z'), ms('2026-10-25T12:00:00Z'));
  assert.equal(autumn!.stopMs - autumn!.startMs, 6 * 3_600_000);
  assert.equal(iso(autumn!.stopMs), '2026-10-25T02:00:00Z');
});

// --- Invalid windows. ---

function rejects(w: Partial<Window>, code: string, words: RegExp): void {
  const full = { ...NSE, ...w } as Window;
  assert.throws(
    () => occurrences(full, undefined, 0, DAY),
    (err: unknown) => {
      const e = err as { code?: string; message?: string };
      assert.equal(e.code, code);
      assert.match(e.message ?? '', words);
      return true;
    },
  );
}

test('invalid times are rejected with SCHEDULE_INVALID_TIME naming the value', () => {
  rejects({ start: '24:00' }, 'SCHEDULE_INVALID_TIME', /start time "24:00".*HH:MM/);
  rejects({ start: '9:20' }, 'SCHEDULE_INVALID_TIME', /"9:20"/);
  rejects({ stop: '12:60' }, 'SCHEDULE_INVALID_TIME', /stop time "12:60"/);
  rejects({ stop: '12:00:60' }, 'SCHEDULE_INVALID_TIME', /"12:00:60"/);
  rejects({ start: 'noon' }, 'SCHEDULE_INVALID_TIME', /"noon"/);
  rejects({ start: 920 as unknown as string }, 'SCHEDULE_INVALID_TIME', /920/);
});

test('unknown zone, empty or misspelt days, undeclared calendar are rejected with their codes', () => {
  rejects({ timezone: 'Mars/Olympus' }, 'SCHEDULE_INVALID_TIMEZONE', /"Mars\/Olympus".*IANA/);
  rejects({ days: [] }, 'SCHEDULE_INVALID_DAYS', /at least one day/);
  rejects({ days: ['monday' as 'mon'] }, 'SCHEDULE_INVALID_DAYS', /"monday"/);
  assert.throws(() => nextBoundary([{ ...NSE, calendar: 'bse' }], {}, 0), {
    code: 'SCHEDULE_UNKNOWN_CALENDAR',
    message: /"bse"/,
  });
});
