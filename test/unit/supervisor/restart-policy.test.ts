import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CRASH_LOOP_AFTER,
  decideAfterExit,
  initialBackoff,
  type PolicyConfig,
} from '../../../src/supervisor/restart-policy.js';

const cfg: PolicyConfig = { restart: 'always', backoff: { initial: 1000, max: 300_000, reset: 60_000 } };
const crash = { uptimeMs: 100, code: 1, signal: null };

test('quick crashes wait 1 s, 2 s, 4 s … capped at 5 min, and show crash-loop', () => {
  let st = initialBackoff(cfg);
  const delays: number[] = [];
  const statuses: string[] = [];
  for (let i = 0; i < 12; i++) {
    const d = decideAfterExit(cfg, st, crash, i * 1000);
    assert.equal(d.action, 'restart');
    if (d.action !== 'restart') return;
    delays.push(d.delayMs);
    statuses.push(d.status);
    st = d.state;
  }
  assert.deepEqual(
    delays,
    [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000, 300000],
  );
  assert.equal(statuses[0], 'backoff');
  assert.equal(statuses[CRASH_LOOP_AFTER - 1], 'crash-loop');
  assert.equal(statuses[11], 'crash-loop', 'never gives up by default');
});

test('a crash after healthy uptime restarts at once and resets the delay', () => {
  let st = initialBackoff(cfg);
  for (let i = 0; i < 4; i++) {
    const d = decideAfterExit(cfg, st, crash, 0);
    st = d.state;
  }
  const d = decideAfterExit(cfg, st, { uptimeMs: 60_000, code: 1, signal: null }, 0);
  assert.equal(d.action, 'restart');
  if (d.action === 'restart') {
    assert.equal(d.delayMs, 0);
    assert.equal(d.state.delayMs, 1000);
    assert.equal(d.state.quickCrashes, 0);
  }
});

test('on-failure does not restart a clean exit; never does not restart at all', () => {
  const clean = { uptimeMs: 5, code: 0, signal: null };
  const onf = { ...cfg, restart: 'on-failure' as const };
  assert.deepEqual(decideAfterExit(onf, initialBackoff(onf), clean, 0).status, 'stopped');
  assert.equal(decideAfterExit(onf, initialBackoff(onf), crash, 0).action, 'restart');
  const never = { ...cfg, restart: 'never' as const };
  const d = decideAfterExit(never, initialBackoff(never), crash, 0);
  assert.equal(d.action, 'none');
  assert.equal(d.status, 'failed');
  assert.equal(
    decideAfterExit(never, initialBackoff(never), { uptimeMs: 1, code: null, signal: 'SIGKILL' }, 0).status,
    'failed',
  );
});

test('max_restarts: 3 in 10 s moves the service to failed on the 4th crash, and the window slides', () => {
  const c = { ...cfg, max_restarts: { count: 3, window_ms: 10_000 } };
  let st = initialBackoff(c);
  for (let i = 0; i < 3; i++) {
    const d = decideAfterExit(c, st, crash, i * 100);
    assert.equal(d.action, 'restart');
    st = d.state;
  }
  const d4 = decideAfterExit(c, st, crash, 400);
  assert.equal(d4.action, 'none');
  if (d4.action === 'none') {
    assert.equal(d4.status, 'failed');
    assert.equal(d4.budgetExhausted, true);
  }
  // Once the window has slid past the old restarts, restarting is allowed again.
  assert.equal(decideAfterExit(c, st, crash, 20_000).action, 'restart');
});
