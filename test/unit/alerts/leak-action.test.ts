import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideLeakAction,
  INITIAL_LEAK_STATE,
  type LeakActionConfig,
  type LeakActionInput,
} from '../../../src/alerts/leak-action.js';
import {
  decideAfterExit,
  initialBackoff,
  type PolicyConfig,
} from '../../../src/supervisor/restart-policy.js';
import { engine } from './helpers.js';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;
const RESTART: LeakActionConfig = { action: 'restart', restart_before: 15 * MIN, min_interval: 15 * MIN };
const QUIET: LeakActionInput = { fds_eta_s: null, rss_eta_s: null, fd_utilisation: 0.3, fd_fail: 0.9 };
const SOON: LeakActionInput = { ...QUIET, fds_eta_s: 10 * 60 };

test('action alert never restarts, however near the exhaustion', () => {
  const d = decideLeakAction(
    { ...RESTART, action: 'alert' },
    INITIAL_LEAK_STATE,
    { ...SOON, fd_utilisation: 0.99 },
    T0,
  );
  assert.equal(d.action, 'none');
});

test('restarts when exhaustion is nearer than restart_before, not when it is further', () => {
  assert.equal(
    decideLeakAction(RESTART, INITIAL_LEAK_STATE, { ...QUIET, fds_eta_s: 16 * 60 }, T0).action,
    'none',
  );
  const d = decideLeakAction(RESTART, INITIAL_LEAK_STATE, SOON, T0);
  assert.equal(d.action, 'restart');
  assert.equal(d.action === 'restart' && d.reason, 'leak-fds');
  assert.equal(d.state.last_restart_at, T0);
});

test('the nearest exhaustion names the reason; fd use at fail restarts with reason fd-limit', () => {
  const mem = decideLeakAction(RESTART, INITIAL_LEAK_STATE, { ...QUIET, fds_eta_s: 600, rss_eta_s: 300 }, T0);
  assert.equal(mem.action !== 'none' && mem.reason, 'leak-memory');
  const fd = decideLeakAction(RESTART, INITIAL_LEAK_STATE, { ...QUIET, fd_utilisation: 0.9 }, T0);
  assert.equal(fd.action !== 'none' && fd.reason, 'fd-limit');
  assert.equal(
    decideLeakAction(RESTART, INITIAL_LEAK_STATE, { ...QUIET, fd_utilisation: 0.89 }, T0).action,
    'none',
  );
});

test('a second leak restart needed within min_interval holds and raises leak-loop once; holds persist', () => {
  const first = decideLeakAction(RESTART, INITIAL_LEAK_STATE, SOON, T0);
  const second = decideLeakAction(RESTART, first.state, SOON, T0 + 10 * MIN);
  assert.equal(second.action, 'hold');
  assert.equal(second.action === 'hold' && second.raise, 'leak-loop');
  assert.equal(second.state.held, true);
  // Held, even long after min_interval, and leak-loop is not raised again.
  const later = decideLeakAction(RESTART, second.state, SOON, T0 + 120 * MIN);
  assert.equal(later.action, 'hold');
  assert.equal(later.action === 'hold' && later.raise, undefined);
});

test('a leak restart needed again after min_interval is allowed', () => {
  const first = decideLeakAction(RESTART, INITIAL_LEAK_STATE, SOON, T0);
  const again = decideLeakAction(RESTART, first.state, SOON, T0 + 15 * MIN);
  assert.equal(again.action, 'restart');
  assert.equal(again.state.last_restart_at, T0 + 15 * MIN);
});

test('leak restarts are held until the leak-loop alert is acknowledged (state kept in the database)', () => {
  const { engine: e, store, cleanup } = engine();
  try {
    assert.equal(e.decideLeak('api', RESTART, SOON, T0).decision.action, 'restart');
    const loop = e.decideLeak('api', RESTART, SOON, T0 + 5 * MIN);
    assert.equal(loop.decision.action, 'hold');
    assert.deepEqual(
      loop.transitions.map((t) => `${t.type}:${t.alert.kind}`),
      ['opened:leak-loop'],
    );
    assert.match(
      loop.transitions[0]!.alert.message,
      /held until this alert is acknowledged \(vigil alerts ack \d+\)$/,
    );
    assert.equal(store.leakState('api')?.held, true);
    assert.deepEqual(e.decideLeak('api', RESTART, SOON, T0 + 60 * MIN).transitions, [], 'one alert');
    assert.equal(e.decideLeak('api', RESTART, SOON, T0 + 60 * MIN).decision.action, 'hold');
    // A stop on purpose does not clear an unacknowledged leak-loop.
    e.observeStatus('api', 'stopped', T0 + 61 * MIN, { reason: 'stopped' });
    assert.equal(e.list({ status: 'open' })[0]?.kind, 'leak-loop');

    e.ack(loop.transitions[0]!.alert.id, T0 + 62 * MIN);
    assert.equal(store.leakState('api')?.held, false);
    assert.equal(e.decideLeak('api', RESTART, SOON, T0 + 63 * MIN).decision.action, 'restart');
    // Once the leak is gone the acknowledged leak-loop resolves.
    const calm = e.decideLeak('api', RESTART, QUIET, T0 + 64 * MIN);
    assert.deepEqual(
      calm.transitions.map((t) => `${t.type}:${t.alert.kind}`),
      ['resolved:leak-loop'],
    );
  } finally {
    cleanup();
  }
});

test('while leak restarts are held, the crash policy still restarts a service that falls over', () => {
  const { engine: e, cleanup } = engine();
  try {
    e.decideLeak('api', RESTART, SOON, T0);
    e.decideLeak('api', RESTART, SOON, T0 + MIN);
    const policy: PolicyConfig = {
      restart: 'always',
      backoff: { initial: 1000, max: 300_000, reset: 60_000 },
    };
    // It hits EMFILE and crashes: the restart policy alone decides, and the hold does not get in its way.
    const crash = e.observeEvent('api', 'crash', { reason: 'fd-exhaustion', code: 1 }, T0 + 2 * MIN);
    assert.deepEqual(
      crash.map((t) => `${t.type}:${t.alert.kind}`),
      ['opened:fd-exhaustion'],
    );
    const d = decideAfterExit(
      policy,
      initialBackoff(policy),
      { uptimeMs: 2 * MIN, code: 1, signal: null },
      T0,
    );
    assert.equal(d.action, 'restart');
    // The new run still has its leak restarts held: the loop is not forgotten by a crash.
    assert.equal(e.decideLeak('api', RESTART, SOON, T0 + 3 * MIN).decision.action, 'hold');
  } finally {
    cleanup();
  }
});
