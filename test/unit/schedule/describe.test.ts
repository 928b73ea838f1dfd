import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSchedule } from '../../../src/schedule/describe.js';
import { loadCalendar } from '../../../src/schedule/calendar.js';
import type { Window } from '../../../src/schedule/types.js';

const ms = (iso: string): number => Date.parse(iso);
const NSE: Window = {
  start: '09:20',
  stop: '15:15',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  timezone: 'Asia/Kolkata',
  calendar: 'nse',
};

test('describe after the close: next start and stop tomorrow, local with offset and UTC', () => {
  const cals = { nse: loadCalendar({ dates: ['2026-11-25'] }) };
  const d = describeSchedule('strategy', [NSE], cals, ms('2026-11-23T13:50:00Z'));
  assert.equal(d.service, 'strategy');
  assert.equal(d.active, false);
  assert.deepEqual(d.next_start, {
    local: '2026-11-24T09:20:00+05:30',
    zone: 'Asia/Kolkata',
    utc: '2026-11-24T03:50:00Z',
    ms: ms('2026-11-24T03:50:00Z'),
  });
  assert.equal(d.next_stop?.local, '2026-11-24T15:15:00+05:30');
  assert.equal(d.windows[0]?.summary, '09:20–15:15 mon,tue,wed,thu,fri Asia/Kolkata, holidays from nse');
});

test('describe inside a window: next stop is today, next start skips the holiday', () => {
  const cals = { nse: loadCalendar({ dates: ['2026-11-24'] }) };
  const d = describeSchedule('strategy', [NSE], cals, ms('2026-11-23T05:00:00Z'));
  assert.equal(d.active, true);
  assert.equal(d.next_stop?.utc, '2026-11-23T09:45:00Z');
  assert.equal(d.next_start?.local, '2026-11-25T09:20:00+05:30');
});

test('describe shows each boundary in its own window zone, with the DST offset in force', () => {
  const w: Window = { start: '21:00', stop: '02:00', days: ['sat'], timezone: 'Europe/London' };
  const d = describeSchedule('night', [w], {}, ms('2026-03-28T12:00:00Z'));
  assert.equal(d.next_start?.local, '2026-03-28T21:00:00+00:00');
  assert.equal(d.next_stop?.local, '2026-03-29T02:00:00+01:00');
  assert.equal(d.windows[0]?.summary, '21:00–02:00 (ends next day) sat Europe/London');
});

test('describe with no windows has no next start or stop', () => {
  assert.deepEqual(describeSchedule('x', [], {}, 0), {
    service: 'x',
    next_start: null,
    next_stop: null,
    active: false,
    windows: [],
  });
});
