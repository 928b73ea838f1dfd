import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDateString, loadCalendar, loadCalendars } from '../../../src/schedule/calendar.js';
import { fixture } from '../../helpers/paths.js';

const ICS = fixture('schedule', 'holidays.ics');

test('a list of dates makes exactly those days holidays', () => {
  const c = loadCalendar({ dates: ['2026-01-26', '2026-03-03'] }, 'nse');
  assert.equal(c.isHoliday('2026-01-26'), true);
  assert.equal(c.isHoliday('2026-03-03'), true);
  assert.equal(c.isHoliday('2026-01-27'), false);
  assert.deepEqual(c.dates, ['2026-01-26', '2026-03-03']);
});

test('an impossible or badly written date is rejected naming the calendar and the entry', () => {
  for (const bad of ['2026-02-30', '2026-1-26', '26-01-2026', '2026-13-01']) {
    assert.throws(() => loadCalendar({ dates: ['2026-01-01', bad] }, 'nse'), {
      code: 'CALENDAR_INVALID_DATE',
      message: new RegExp(`calendar nse: dates\\[1\\] "${bad}" is not a date`),
    });
  }
  assert.equal(isDateString('2028-02-29'), true, 'leap day');
  assert.equal(isDateString('2027-02-29'), false);
});

test('.ics all-day events are holidays; an event without DTEND is one day', () => {
  const c = loadCalendar({ ics: ICS }, 'nse');
  assert.equal(c.isHoliday('2026-01-26'), true, 'Republic Day');
  assert.equal(c.isHoliday('2026-01-25'), false);
  assert.equal(c.isHoliday('2026-01-27'), false, 'DTEND is exclusive');
  assert.equal(c.isHoliday('2026-03-03'), true, 'Holi, no DTEND');
  assert.equal(c.isHoliday('2026-03-04'), false);
});

test('.ics multi-day event covers every day from DTSTART to the day before DTEND', () => {
  const c = loadCalendar({ ics: ICS }, 'nse');
  assert.deepEqual(
    ['2026-12-23', '2026-12-24', '2026-12-25', '2026-12-26', '2026-12-27'].map((d) => c.isHoliday(d)),
    [false, true, true, true, false],
  );
});

test('.ics yearly recurring event is expanded by ical.js; timed events are not holidays', () => {
  const c = loadCalendar({ ics: ICS }, 'nse');
  for (const y of [2025, 2026, 2027, 2040]) assert.equal(c.isHoliday(`${y}-01-01`), true, `${y}`);
  assert.equal(c.isHoliday('2026-01-02'), false);
  assert.equal(c.isHoliday('2026-11-08'), false, 'the timed Muhurat session does not close the day');
  assert.equal(c.ignoredTimedEvents, 1);
});

test('dates and ics together: the union of both', () => {
  const c = loadCalendar({ dates: ['2026-08-15'], ics: ICS }, 'nse');
  assert.equal(c.isHoliday('2026-08-15'), true);
  assert.equal(c.isHoliday('2026-01-26'), true);
});

test('a missing .ics file is an error that names the calendar and the file', () => {
  const missing = join(tmpdir(), 'vigil-no-such-calendar.ics');
  assert.throws(
    () => loadCalendar({ ics: missing }, 'nse'),
    (err: unknown) => {
      const e = err as { code: string; message: string };
      assert.equal(e.code, 'CALENDAR_ICS_UNREADABLE');
      assert.ok(e.message.includes('calendar nse') && e.message.includes(missing), e.message);
      return true;
    },
  );
});

test('a malformed .ics file is an error that names the file and says why', () => {
  const broken = fixture('schedule', 'broken.ics');
  assert.throws(
    () => loadCalendar({ ics: broken }, 'nse'),
    (err: unknown) => {
      const e = err as { code: string; message: string };
      assert.equal(e.code, 'CALENDAR_ICS_INVALID');
      assert.ok(e.message.includes(broken), e.message);
      assert.match(e.message, /not a valid iCalendar file: .+/);
      return true;
    },
  );
});

test('an .ics file that is not a VCALENDAR is rejected', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cal-'));
  try {
    const file = join(dir, 'card.ics');
    writeFileSync(file, 'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Someone\r\nEND:VCARD\r\n');
    assert.throws(() => loadCalendar({ ics: file }, 'x'), {
      code: 'CALENDAR_ICS_INVALID',
      message: /expected a VCALENDAR, found VCARD/,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadCalendars loads every declared calendar by name', () => {
  const cals = loadCalendars({ a: { dates: ['2026-05-01'] }, b: { ics: ICS } });
  assert.deepEqual(Object.keys(cals), ['a', 'b']);
  assert.equal(cals.a?.isHoliday('2026-05-01'), true);
  assert.equal(cals.b?.isHoliday('2026-12-25'), true);
});
