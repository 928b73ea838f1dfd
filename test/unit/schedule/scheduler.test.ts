import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_CHECK_INTERVAL_MS,
  NO_OVERRIDES,
  decide,
  msUntilWindowEnd,
  nextCheckDelay,
  overridesAfterManualStart,
  overridesAfterManualStop,
  type ScheduleState,
} from '../../../src/schedule/scheduler.js';
import { loadCalendar } from '../../../src/schedule/calendar.js';
import type { Calendar, Window } from '../../../src/schedule/types.js';

const ms = (iso: string): number => Date.parse(iso);
const iso = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');

// NSE hours: 09:20–15:15 IST = 03:50Z–09:45Z, Monday to Friday. 2026-11-23 is a Monday.
const NSE: Window = {
  start: '09:20',
  stop: '15:15',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  timezone: 'Asia/Kolkata',
};

function state(over: Partial<ScheduleState> = {}): ScheduleState {
  return { windows: [NSE], calendars: {}, running: false, ...NO_OVERRIDES, ...over };
}

test('window start starts a stopped service; after the stop a running one is stopped', () => {
  assert.equal(decide(state(), ms('2026-11-23T03:49:59Z')).action, 'none');
  assert.equal(decide(state(), ms('2026-11-23T03:50:00Z')).action, 'start');
  assert.equal(decide(state({ running: true }), ms('2026-11-23T09:44:59Z')).action, 'none');
  const d = decide(state({ running: true }), ms('2026-11-23T09:45:00Z'));
  assert.equal(d.action, 'stop');
  assert.match(d.reason, /outside every window/);
});

test('next check is at the boundary when sooner than 60 s, else 60 s from now', () => {
  assert.equal(decide(state(), ms('2026-11-23T03:49:30Z')).nextCheckMs, ms('2026-11-23T03:50:00Z'));
  assert.equal(decide(state(), ms('2026-11-23T01:00:00Z')).nextCheckMs, ms('2026-11-23T01:01:00Z'));
  // Friday evening: the next start is Monday, days away; still re-checked every minute.
  assert.equal(decide(state(), ms('2026-11-27T12:00:00Z')).nextCheckMs, ms('2026-11-27T12:01:00Z'));
});

test('nextCheckDelay caps at 60 s, never negative, 60 s when there is no boundary', () => {
  assert.equal(nextCheckDelay(1000, null), MAX_CHECK_INTERVAL_MS);
  assert.equal(nextCheckDelay(1000, 6000), 5000);
  assert.equal(nextCheckDelay(0, 30 * 86_400_000), 60_000, 'a boundary 30 days away is not one long timer');
  assert.equal(nextCheckDelay(5000, 1000), 0, 'a boundary already passed is checked at once');
});

test('a simulated trading day driven only by decide(): starts at 09:20 IST and stops at 15:15 IST exactly', () => {
  let now = ms('2026-11-23T00:00:00Z');
  const end = ms('2026-11-25T00:00:00Z');
  const s = state();
  const actions: string[] = [];
  let checks = 0;
  while (now < end) {
    const d = decide(s, now);
    if (d.action !== 'none') {
      actions.push(`${d.action} ${iso(now)}`);
      s.running = d.action === 'start';
    }
    assert.ok(d.nextCheckMs > now && d.nextCheckMs - now <= 60_000);
    now = d.nextCheckMs;
    checks++;
  }
  assert.deepEqual(actions, [
    'start 2026-11-23T03:50:00Z',
    'stop 2026-11-23T09:45:00Z',
    'start 2026-11-24T03:50:00Z',
    'stop 2026-11-24T09:45:00Z',
  ]);
  assert.ok(checks >= 2 * 1440, `re-checked at least every minute (${checks} checks)`);
});

test('manual stop inside a window holds until that window ends; the next window starts it again', () => {
  const o = overridesAfterManualStop([NSE], {}, ms('2026-11-23T05:00:00Z'));
  assert.equal(o.held_until_ms, ms('2026-11-23T09:45:00Z'));
  const s = state({ ...o, running: false });
  const d = decide(s, ms('2026-11-23T06:00:00Z'));
  assert.equal(d.action, 'none');
  assert.match(d.reason, /stopped by hand/);
  assert.equal(decide(s, ms('2026-11-23T09:45:00Z')).action, 'none', 'window over: nothing to do');
  assert.equal(decide(s, ms('2026-11-24T03:50:00Z')).action, 'start', 'next window starts it');
});

test('manual stop outside every window holds nothing', () => {
  assert.deepEqual(overridesAfterManualStop([NSE], {}, ms('2026-11-23T12:00:00Z')), NO_OVERRIDES);
});

test('manual start outside a window runs through the next window and is stopped at its end', () => {
  // Monday 12:00Z, after the close: runs overnight, through Tuesday's window, stopped at Tuesday's close.
  const o = overridesAfterManualStart([NSE], {}, ms('2026-11-23T12:00:00Z'));
  assert.deepEqual(o, { held_until_ms: null, manual_run: { until_ms: ms('2026-11-24T09:45:00Z') } });
  const s = state({ ...o, running: true });
  const night = decide(s, ms('2026-11-23T20:00:00Z'));
  assert.equal(night.action, 'none');
  assert.match(night.reason, /started by hand/);
  assert.equal(decide(s, ms('2026-11-24T05:00:00Z')).action, 'none');
  assert.equal(decide(s, ms('2026-11-24T09:45:00Z')).action, 'stop');
});

test('manual start outside a window with no window ahead runs until stopped by hand', () => {
  const w: Window = { ...NSE, calendar: 'closed' };
  const dates: string[] = [];
  for (let t = ms('2026-11-23T00:00:00Z'); t < ms('2030-06-01T00:00:00Z'); t += 86_400_000) {
    dates.push(new Date(t).toISOString().slice(0, 10));
  }
  const cals: Record<string, Calendar> = { closed: loadCalendar({ dates }) };
  const o = overridesAfterManualStart([w], cals, ms('2026-11-23T12:00:00Z'));
  assert.deepEqual(o.manual_run, { until_ms: null });
  const d = decide({ windows: [w], calendars: cals, running: true, ...o }, ms('2027-06-01T00:00:00Z'));
  assert.equal(d.action, 'none');
  assert.match(d.reason, /until stopped by hand/);
});

test('manual start inside a window clears a hold; the window end stops it as usual', () => {
  const o = overridesAfterManualStart([NSE], {}, ms('2026-11-23T06:00:00Z'));
  assert.deepEqual(o, NO_OVERRIDES);
  assert.equal(decide(state({ ...o, running: true }), ms('2026-11-23T09:45:00Z')).action, 'stop');
});

test('reconcile after downtime: daemon back inside a window starts the service that is down', () => {
  const d = decide(state({ running: false }), ms('2026-11-23T07:00:00Z'));
  assert.equal(d.action, 'start');
});

test('reconcile after downtime: daemon back after a missed stop boundary stops the service at once', () => {
  const d = decide(state({ running: true }), ms('2026-11-23T11:00:00Z'));
  assert.equal(d.action, 'stop');
});

test('reconcile after downtime: stopped by hand in this window stays stopped', () => {
  const o = overridesAfterManualStop([NSE], {}, ms('2026-11-23T04:00:00Z'));
  // The daemon went down at 04:10 and came back at 08:00, same window.
  assert.equal(decide(state({ ...o }), ms('2026-11-23T08:00:00Z')).action, 'none');
  // Came back the next day instead: that hold is over, the new window starts it.
  assert.equal(decide(state({ ...o }), ms('2026-11-24T08:00:00Z')).action, 'start');
});

test('reconcile after downtime: started by hand outside a window stays up until its run ends', () => {
  const o = overridesAfterManualStart([NSE], {}, ms('2026-11-22T12:00:00Z')); // Sunday
  assert.equal(o.manual_run?.until_ms, ms('2026-11-23T09:45:00Z'));
  assert.equal(decide(state({ ...o, running: true }), ms('2026-11-23T02:00:00Z')).action, 'none');
  assert.equal(decide(state({ ...o, running: true }), ms('2026-11-23T12:00:00Z')).action, 'stop');
});

test('failed inside a window: the schedule does not restart it until the next window', () => {
  const s = state({ running: false, failed_at_ms: ms('2026-11-23T05:00:00Z') });
  const d = decide(s, ms('2026-11-23T06:00:00Z'));
  assert.equal(d.action, 'none');
  assert.match(d.reason, /gave up/);
  assert.equal(decide(s, ms('2026-11-24T03:50:00Z')).action, 'start');
});

test('the hold ending wakes the loop even when the next boundary is later', () => {
  // Two windows merged into one span end at 09:45Z; a hold set to 09:45Z must wake the loop there.
  const s = state({ held_until_ms: ms('2026-11-23T09:45:00Z') });
  assert.equal(decide(s, ms('2026-11-23T09:44:30Z')).nextCheckMs, ms('2026-11-23T09:45:00Z'));
});

test('msUntilWindowEnd tells the supervisor how long the open window has left', () => {
  assert.equal(msUntilWindowEnd([NSE], {}, ms('2026-11-23T09:40:00Z')), 5 * 60_000);
  assert.equal(msUntilWindowEnd([NSE], {}, ms('2026-11-23T10:00:00Z')), null);
});
