import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ScheduleEnforcer,
  type Clock,
  type EnforcerHost,
  type ScheduledTarget,
  type StartFailure,
} from '../../../src/schedule/enforcer.js';
import { MAX_CHECK_INTERVAL_MS, type Overrides } from '../../../src/schedule/scheduler.js';
import type { Window } from '../../../src/schedule/types.js';

const at = (iso: string) => Date.parse(iso);

/** A controlled wall clock: timers fire only when the test advances time. */
class FakeClock implements Clock {
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  /** Every delay asked for, to check that no wait exceeds a minute. */
  readonly delays: number[] = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): unknown {
    this.delays.push(ms);
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimer(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  /** Moves the clock to `to`, firing due timers in order at their instants. */
  advanceTo(to: number): void {
    for (;;) {
      const due = this.timers.filter((x) => x.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = to;
  }
}

interface FakeService {
  windows: Window[];
  running: boolean;
  failedAtMs: number | null;
}

/** An in-memory daemon: services, actions taken (with the clock time), overrides saved, events. */
class FakeHost implements EnforcerHost {
  readonly services = new Map<string, FakeService>();
  readonly actions: { action: 'start' | 'stop'; name: string; t: number }[] = [];
  readonly saved = new Map<string, Overrides | null>();
  readonly events: { service: string; kind: string; message: string }[] = [];
  refuse: StartFailure | null = null;
  constructor(private readonly clock: FakeClock) {}
  targets(): ScheduledTarget[] {
    return [...this.services].map(([name, s]) => ({
      name,
      windows: s.windows,
      calendars: {},
      running: s.running,
      failedAtMs: s.failedAtMs,
    }));
  }
  start(name: string): StartFailure | null {
    this.actions.push({ action: 'start', name, t: this.clock.now() });
    if (this.refuse) return this.refuse;
    this.services.get(name)!.running = true;
    return null;
  }
  stop(name: string): Promise<unknown> {
    this.actions.push({ action: 'stop', name, t: this.clock.now() });
    this.services.get(name)!.running = false;
    return Promise.resolve();
  }
  loadOverrides(name: string): Overrides | null {
    return this.saved.get(name) ?? null;
  }
  saveOverrides(name: string, o: Overrides | null): void {
    this.saved.set(name, o);
  }
  event(e: { service: string; kind: string; message: string }): void {
    this.events.push(e);
  }
}

const MARKET: Window = {
  start: '09:20',
  stop: '15:15',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  timezone: 'Asia/Kolkata',
};

function setup(nowIso: string, running = false, windows: Window[] = [MARKET]) {
  const clock = new FakeClock(at(nowIso));
  const host = new FakeHost(clock);
  host.services.set('algo', { windows, running, failedAtMs: null });
  const enforcer = new ScheduleEnforcer(host, clock);
  return { clock, host, enforcer };
}

test('starts at the window’s start and stops at its stop to the millisecond, never waiting over a minute', () => {
  // Sunday noon UTC; Monday and Tuesday windows are 03:50Z–09:45Z.
  const { clock, host, enforcer } = setup('2026-11-22T12:00:00Z');
  enforcer.start();
  clock.advanceTo(at('2026-11-24T12:00:00Z'));
  assert.deepEqual(
    host.actions.map((a) => `${a.action} ${new Date(a.t).toISOString()}`),
    [
      'start 2026-11-23T03:50:00.000Z',
      'stop 2026-11-23T09:45:00.000Z',
      'start 2026-11-24T03:50:00.000Z',
      'stop 2026-11-24T09:45:00.000Z',
    ],
  );
  assert.ok(Math.max(...clock.delays) <= MAX_CHECK_INTERVAL_MS, 'the wall clock is re-read every minute');
  assert.equal(enforcer.lastLatenessMs, 0);
});

test('start-up reconciliation: a service running outside its window is stopped at once', () => {
  const { clock, host, enforcer } = setup('2026-11-23T10:00:00Z', true); // Monday, after the close
  enforcer.start();
  assert.deepEqual(host.actions, [{ action: 'stop', name: 'algo', t: clock.now() }]);
});

test('start-up reconciliation: a service down inside its window is started at once', () => {
  const { clock, host, enforcer } = setup('2026-11-23T05:00:00Z', false);
  enforcer.start();
  assert.deepEqual(host.actions, [{ action: 'start', name: 'algo', t: clock.now() }]);
});

test('a manual stop inside a window holds until the next window, also for a new enforcer (daemon restart)', () => {
  const { clock, host, enforcer } = setup('2026-11-23T05:00:00Z', true);
  enforcer.start();
  enforcer.manualStop('algo');
  host.services.get('algo')!.running = false;
  assert.equal(host.saved.get('algo')?.held_until_ms, at('2026-11-23T09:45:00Z'));
  clock.advanceTo(at('2026-11-23T06:00:00Z'));
  assert.equal(host.actions.length, 0, 'not started again in the same window');
  assert.equal(enforcer.status('algo', 'stopped')?.waiting, true);

  enforcer.stop();
  const again = new ScheduleEnforcer(host, clock);
  again.start();
  clock.advanceTo(at('2026-11-23T09:00:00Z'));
  assert.equal(host.actions.length, 0, 'the hold survived the restart');
  clock.advanceTo(at('2026-11-24T04:00:00Z'));
  assert.deepEqual(
    host.actions.map((a) => [a.action, new Date(a.t).toISOString()]),
    [['start', '2026-11-24T03:50:00.000Z']],
    'the next window starts it',
  );
  assert.equal(host.saved.get('algo'), null, 'the spent hold is cleared from the store');
});

test('a manual start outside every window runs until the end of the next window', () => {
  const { clock, host, enforcer } = setup('2026-11-22T12:00:00Z'); // Sunday
  enforcer.start();
  enforcer.manualStart('algo');
  host.services.get('algo')!.running = true;
  assert.equal(enforcer.mayRestart('algo'), true, 'a crash of the manual run is restarted');
  clock.advanceTo(at('2026-11-24T00:00:00Z'));
  assert.deepEqual(
    host.actions.map((a) => [a.action, new Date(a.t).toISOString()]),
    [['stop', '2026-11-23T09:45:00.000Z']],
    'kept through Monday’s window, stopped at its close',
  );
});

test('the restart policy may not restart a scheduled service outside its window', () => {
  const { clock, enforcer } = setup('2026-11-23T10:00:00Z');
  enforcer.start();
  assert.equal(enforcer.mayRestart('algo'), false);
  clock.advanceTo(at('2026-11-24T04:00:00Z'));
  assert.equal(enforcer.mayRestart('algo'), true, 'inside the window it may');
  assert.equal(enforcer.mayRestart('not-scheduled'), true);
});

test('changing the schedule clears the manual overrides and takes effect at once', () => {
  const { host, enforcer } = setup('2026-11-23T05:00:00Z', true);
  enforcer.start();
  enforcer.manualStop('algo');
  host.services.get('algo')!.running = false;
  host.services.get('algo')!.windows = [{ ...MARKET, start: '09:00' }];
  enforcer.refresh();
  assert.equal(host.saved.get('algo'), null);
  assert.deepEqual(
    host.actions.map((a) => a.action),
    ['start'],
    'inside the new window, without the hold, it starts',
  );
  assert.ok(host.events.some((e) => /schedule changed/.test(e.message)));
});

test('a max_concurrent refusal at a window’s start raises one event and is retried while the window is open', () => {
  const { clock, host, enforcer } = setup('2026-11-23T03:49:00Z');
  host.refuse = { code: 'MAX_CONCURRENT', message: '2 services are running and daemon.max_concurrent is 2' };
  enforcer.start();
  clock.advanceTo(at('2026-11-23T03:53:30Z'));
  const refused = host.events.filter((e) => e.kind === 'schedule-refused');
  assert.equal(refused.length, 1);
  assert.match(refused[0]!.message, /max_concurrent/);
  assert.ok(host.actions.length >= 4, `retried every minute (${host.actions.length} attempts)`);
  host.refuse = null;
  clock.advanceTo(at('2026-11-23T03:55:00Z'));
  assert.equal(host.services.get('algo')!.running, true, 'started once a slot is free');
});

test('a service the restart policy gave up on inside a window waits for the next window', () => {
  const { clock, host, enforcer } = setup('2026-11-23T05:00:00Z', false);
  host.services.get('algo')!.failedAtMs = at('2026-11-23T04:30:00Z');
  enforcer.start();
  clock.advanceTo(at('2026-11-23T09:00:00Z'));
  assert.equal(host.actions.length, 0);
  clock.advanceTo(at('2026-11-24T04:00:00Z'));
  assert.deepEqual(
    host.actions.map((a) => a.action),
    ['start'],
  );
});

test('a memory or leak restart is skipped in the last minute of a window, reported once', () => {
  const { clock, enforcer } = setup('2026-11-23T09:30:00Z', true); // window closes at 09:45Z
  enforcer.start();
  assert.equal(enforcer.skipRestart('algo'), null, '15 minutes before the close it restarts');
  clock.advanceTo(at('2026-11-23T09:44:30Z'));
  const first = enforcer.skipRestart('algo');
  assert.equal(first?.report, true);
  assert.match(first!.reason, /closes at 2026-11-23T09:45:00Z, in 30 s/);
  assert.equal(enforcer.skipRestart('algo')?.report, false, 'not reported again');
  clock.advanceTo(at('2026-11-23T12:00:00Z'));
  assert.equal(enforcer.skipRestart('algo'), null, 'outside a window nothing is skipped');
});
