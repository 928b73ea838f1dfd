import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertEngine } from '../../../src/alerts/engine.js';
import { SqliteAlertStore } from '../../../src/alerts/alert-store.js';
import type { Transition } from '../../../src/alerts/types.js';
import type { Verdict } from '../../../src/leak/verdict.js';
import {
  decideAfterExit,
  initialBackoff,
  type PolicyConfig,
} from '../../../src/supervisor/restart-policy.js';
import { engine, sample, TH, tempDb } from './helpers.js';
import type { AlertsConfig, LeakConfig, Webhook } from '../../../src/config/schema.js';
import type { Thresholds } from '../../../src/alerts/engine.js';
import type { LeakActionConfig } from '../../../src/alerts/leak-action.js';
import type { WebhookTarget } from '../../../src/alerts/webhook.js';

// The engine takes the parsed config as it is: these fail to compile if the shapes drift apart.
export const _thresholds = (c: AlertsConfig): Thresholds => c;
export const _leak = (c: LeakConfig): LeakActionConfig => c;
export const _hooks = (c: Webhook[]): WebhookTarget[] => c;

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const S = 1000;

function types(ts: Transition[]): string[] {
  return ts.map((t) => `${t.type}:${t.alert.kind}:${t.alert.severity}`);
}

test('fd use crossing warn opens one alert, not one per sample', () => {
  const { engine: e, cleanup } = engine();
  try {
    assert.deepEqual(e.observeSample('api', sample(600), TH, T0), []);
    const first = e.observeSample('api', sample(710), TH, T0 + S);
    assert.deepEqual(types(first), ['opened:fds-utilisation:warning']);
    assert.match(first[0]!.alert.message, /api has 710 of 1000 file descriptors open \(71%\)/);
    for (let i = 2; i < 60; i++) assert.deepEqual(e.observeSample('api', sample(720), TH, T0 + i * S), []);
    const all = e.list();
    assert.equal(all.length, 1);
    assert.equal(all[0]!.status, 'open');
  } finally {
    cleanup();
  }
});

test('fd use flapping around warn raises no duplicate (hysteresis: resolves only below warn - 5 points)', () => {
  const { engine: e, cleanup } = engine();
  try {
    const seq = [690, 710, 680, 720, 660, 700, 651, 705];
    const got = seq.flatMap((fds, i) => e.observeSample('api', sample(fds), TH, T0 + i * S));
    assert.deepEqual(types(got), ['opened:fds-utilisation:warning']);
    const resolved = e.observeSample('api', sample(649), TH, T0 + 100 * S);
    assert.deepEqual(types(resolved), ['resolved:fds-utilisation:warning']);
    assert.equal(resolved[0]!.alert.resolved_at, T0 + 100 * S);
    // Below warn but not far enough below for a new alert after resolution: nothing.
    assert.deepEqual(e.observeSample('api', sample(690), TH, T0 + 101 * S), []);
    assert.equal(e.list({ status: 'open' }).length, 0);
  } finally {
    cleanup();
  }
});

test('warn escalates to critical in place (same id), and falls back quietly only below fail - 5 points', () => {
  const { engine: e, cleanup } = engine();
  try {
    const opened = e.observeSample('api', sample(750), TH, T0);
    const esc = e.observeSample('api', sample(905), TH, T0 + S);
    assert.deepEqual(types(esc), ['escalated:fds-utilisation:critical']);
    assert.equal(esc[0]!.alert.id, opened[0]!.alert.id);
    assert.match(esc[0]!.alert.message, /above its failure threshold of 90%/);
    assert.deepEqual(e.observeSample('api', sample(870), TH, T0 + 2 * S), []);
    assert.equal(e.list({ status: 'open' })[0]!.severity, 'critical', '87% is within 5 points of fail');
    assert.deepEqual(e.observeSample('api', sample(840), TH, T0 + 3 * S), [], 'de-escalation is not news');
    assert.equal(e.list({ status: 'open' })[0]!.severity, 'warning');
    assert.deepEqual(types(e.observeSample('api', sample(950), TH, T0 + 4 * S)), [
      'escalated:fds-utilisation:critical',
    ]);
    assert.equal(e.list().length, 1);
  } finally {
    cleanup();
  }
});

test('memory over fail opens critical at once and resolves below warn - 5 points', () => {
  const { engine: e, cleanup } = engine();
  try {
    const o = e.observeSample('api', sample(10, 95), TH, T0);
    assert.deepEqual(types(o), ['opened:memory-utilisation:critical']);
    assert.match(o[0]!.alert.message, /api uses 906\.0 MiB of its 953\.7 MiB memory limit \(95%\)/);
    assert.deepEqual(types(e.observeSample('api', sample(10, 64), TH, T0 + S)), [
      'resolved:memory-utilisation:critical',
    ]);
  } finally {
    cleanup();
  }
});

test('ack records acked_at and keeps the alert open; an unknown id is ALERT_NOT_FOUND', () => {
  const { engine: e, cleanup } = engine();
  try {
    const [t] = e.observeSample('api', sample(800), TH, T0);
    const acked = e.ack(t!.alert.id, T0 + 5 * S);
    assert.deepEqual(types(acked), ['acked:fds-utilisation:warning']);
    assert.equal(acked[0]!.alert.acked_at, T0 + 5 * S);
    assert.deepEqual(e.ack(t!.alert.id, T0 + 6 * S), [], 'acking twice changes nothing');
    const open = e.list({ status: 'open' });
    assert.equal(open.length, 1);
    assert.equal(open[0]!.acked_at, T0 + 5 * S);
    assert.throws(() => e.ack(9999, T0), { code: 'ALERT_NOT_FOUND' });
  } finally {
    cleanup();
  }
});

test('a crash loop gives one alert, not one per crash; it resolves after running for backoff.reset', () => {
  const { engine: e, cleanup } = engine();
  const cfg: PolicyConfig = { restart: 'always', backoff: { initial: 1000, max: 300_000, reset: 60_000 } };
  try {
    let backoff = initialBackoff(cfg);
    let now = T0;
    const got: Transition[] = [];
    got.push(...e.observeStatus('api', 'running', now, { reset_ms: cfg.backoff.reset }));
    for (let i = 0; i < 12; i++) {
      now += 2 * S;
      got.push(
        ...e.observeEvent('api', 'crash', { reason: 'crashed', code: 1 }, now, 'api exited with code 1'),
      );
      const d = decideAfterExit(cfg, backoff, { uptimeMs: 2 * S, code: 1, signal: null }, now);
      backoff = d.state;
      got.push(...e.observeStatus('api', d.status, now));
      got.push(...e.observeStatus('api', 'starting', now + 1));
      got.push(...e.observeStatus('api', 'running', now + 2));
    }
    assert.deepEqual(types(got), ['opened:crash-loop:critical']);
    assert.equal(e.list({ status: 'open' })[0]!.data.crashes, 12, 'later crashes are counted in the alert');
    assert.match(e.list({ status: 'open' })[0]!.message, /api is in a crash loop \(12 crashes in a row\)/);
    assert.deepEqual(e.tick(now + 59 * S), [], 'not yet running for backoff.reset');
    assert.deepEqual(types(e.tick(now + 61 * S)), ['resolved:crash-loop:critical']);
  } finally {
    cleanup();
  }
});

test('a restart for health keeps the health alert; repeated failures escalate it; a stop on purpose resolves it', () => {
  const { engine: e, cleanup } = engine();
  try {
    const seen: Transition[] = [];
    for (let i = 0; i < 3; i++) {
      const t = T0 + i * 10 * S;
      seen.push(...e.observeEvent('api', 'health', { detail: 'HTTP 503', failures: 3 }, t));
      seen.push(
        ...e.observeEvent('api', 'state', { from: 'running', to: 'stopping' }, t, 'stopping (health)'),
      );
      seen.push(
        ...e.observeEvent('api', 'state', { from: 'stopping', to: 'stopped' }, t, 'stopped (health)'),
      );
      seen.push(
        ...e.observeEvent('api', 'state', { from: 'stopped', to: 'running' }, t + 1, 'healthy, pid 9'),
      );
    }
    assert.deepEqual(types(seen), ['opened:health:warning', 'escalated:health:critical']);
    assert.match(e.list({ status: 'open' })[0]!.message, /restarted 3 times \(last: HTTP 503\)/);
    const stop = e.observeEvent(
      'api',
      'state',
      { from: 'stopping', to: 'stopped' },
      T0 + 40 * S,
      'stopped (stopped)',
    );
    assert.deepEqual(types(stop), ['resolved:health:critical']);
    assert.equal(stop[0]!.alert.data.resolved_because, 'stopped on purpose');
  } finally {
    cleanup();
  }
});

test('an OOM kill and an fd-exhaustion crash raise their own alerts', () => {
  const { engine: e, cleanup } = engine();
  try {
    const a = e.observeEvent('api', 'crash', { reason: 'oom-killed', signal: 'SIGKILL' }, T0);
    const b = e.observeEvent('api', 'crash', { reason: 'fd-exhaustion', code: 1 }, T0 + S);
    assert.deepEqual(types([...a, ...b]), ['opened:oom-killed:critical', 'opened:fd-exhaustion:critical']);
    assert.match(b[0]!.alert.message, /running out of file descriptors/);
    const failed = [
      ...e.observeEvent('api', 'failed', {}, T0 + 2 * S, 'api: gave up after 10 restarts within 600 s'),
      ...e.observeEvent('api', 'state', { from: 'backoff', to: 'failed' }, T0 + 2 * S, 'backoff → failed'),
    ];
    assert.deepEqual(types(failed), ['opened:failed:critical']);
    assert.equal(
      e.list({ status: 'open', service: 'api' })[0]!.message,
      'api: gave up after 10 restarts within 600 s',
    );
  } finally {
    cleanup();
  }
});

function leakVerdict(slope: number, etaT: number | null, verdict: Verdict['verdict'] = 'leak'): Verdict {
  return { verdict, slope_per_hour: slope, eta_t: etaT, eta_low_t: null, eta_high_t: null, reason: 'test' };
}

test('a leak verdict raises one alert whose plain-words message names the rate, the top target and the limit', () => {
  const { engine: e, cleanup } = engine();
  try {
    const eta = Date.UTC(2026, 10, 23, 14, 10, 0);
    const ctx = { limit: 1024, top_targets: [{ target: '/srv/orders/logs.db (+ -wal, -shm)', count: 412 }] };
    const t = e.observeVerdict('orders-api', 'fds', leakVerdict(41.3, eta / 1000), ctx, T0);
    assert.deepEqual(types(t), ['opened:leak-fds:warning']);
    assert.equal(
      t[0]!.alert.message,
      'orders-api is leaking ~41 descriptors an hour — logs.db is open 412 times — it will hit its limit of 1024 around 14:10 (in 2h10m)',
    );
    assert.equal(t[0]!.alert.data.slope_per_hour, 41.3);
    // A verdict wavering to `growing` keeps the alert; the ETA coming within the hour escalates it.
    assert.deepEqual(
      e.observeVerdict('orders-api', 'fds', leakVerdict(40, null, 'growing'), ctx, T0 + S),
      [],
    );
    const soon = e.observeVerdict(
      'orders-api',
      'fds',
      leakVerdict(60, (T0 + 1800 * S) / 1000),
      ctx,
      T0 + 2 * S,
    );
    assert.deepEqual(types(soon), ['escalated:leak-fds:critical']);
    assert.equal(soon[0]!.alert.id, t[0]!.alert.id);
    assert.deepEqual(types(e.observeVerdict('orders-api', 'fds', null, ctx, T0 + 3 * S)), [
      'resolved:leak-fds:critical',
    ]);
  } finally {
    cleanup();
  }
});

test('a memory leak message gives the rate in bytes and the limit in binary units', () => {
  const { engine: e, cleanup } = engine();
  try {
    const eta = T0 + 3 * 86400 * S;
    const t = e.observeVerdict('api', 'rss', leakVerdict(12 * 1048576, eta / 1000), { limit: 536870912 }, T0);
    assert.equal(
      t[0]!.alert.message,
      'api is leaking ~12.0 MiB of memory an hour — it will hit its limit of 512.0 MiB around Thu 26 Nov 12:00 (in 3d0h)',
    );
  } finally {
    cleanup();
  }
});

test('open alerts survive a daemon restart: a new engine on the same database takes them back', () => {
  const { db, path, cleanup } = tempDb();
  try {
    const e1 = new AlertEngine({ store: new SqliteAlertStore(db) });
    const [t] = e1.observeSample('api', sample(800), TH, T0);
    const e2 = new AlertEngine({ store: new SqliteAlertStore(db) });
    assert.deepEqual(e2.observeSample('api', sample(800), TH, T0 + S), [], 'no duplicate after the restart');
    const r = e2.observeSample('api', sample(100), TH, T0 + 2 * S);
    assert.equal(r[0]!.alert.id, t!.alert.id);
    assert.ok(path.endsWith('state.db'));
  } finally {
    cleanup();
  }
});

test('the database refuses a second open alert for the same condition', () => {
  const { engine: e, db, cleanup } = engine();
  try {
    e.observeSample('api', sample(800), TH, T0);
    assert.throws(
      () =>
        db
          .prepare(
            "INSERT INTO alerts (service, kind, severity, status, message, opened_at, updated_at) VALUES ('api', 'fds-utilisation', 'warning', 'open', 'x', 1, 1)",
          )
          .run(),
      /UNIQUE/,
    );
  } finally {
    cleanup();
  }
});

test('a full disk is one daemon alert, resolved when every service writes its logs again', () => {
  const { engine: e, cleanup } = engine();
  try {
    const got = [
      ...e.observeEvent('a', 'disk-full', { stream: 'out', code: 'ENOSPC' }, T0),
      ...e.observeEvent('b', 'disk-full', { stream: 'err', code: 'ENOSPC' }, T0 + S),
      ...e.observeEvent('a', 'disk-recovered', { stream: 'out', dropped: 3 }, T0 + 2 * S),
    ];
    assert.deepEqual(types(got), ['opened:disk-full:critical']);
    assert.equal(got[0]!.alert.service, null);
    assert.match(e.list({ status: 'open' })[0]!.message, /log lines of b are counted and dropped/);
    assert.deepEqual(types(e.observeEvent('b', 'disk-recovered', {}, T0 + 3 * S)), [
      'resolved:disk-full:critical',
    ]);
  } finally {
    cleanup();
  }
});

test("the daemon's own descriptors over 70% of its limit raise daemon-fds", () => {
  const { engine: e, cleanup } = engine();
  try {
    assert.deepEqual(e.observeDaemon({ fds: 690, fd_limit: 1000 }, T0), []);
    const t = e.observeDaemon({ fds: 720, fd_limit: 1000 }, T0 + S);
    assert.deepEqual(types(t), ['opened:daemon-fds:warning']);
    assert.match(t[0]!.alert.message, /the Vigil daemon itself has 720 of 1000/);
  } finally {
    cleanup();
  }
});

test('forget resolves every open alert of a removed service and nothing of the others', () => {
  const { engine: e, cleanup } = engine();
  try {
    e.observeSample('a', sample(800, 95), TH, T0);
    e.observeSample('b', sample(800), TH, T0);
    const t = e.forget('a', T0 + S);
    assert.deepEqual(types(t).sort(), [
      'resolved:fds-utilisation:warning',
      'resolved:memory-utilisation:critical',
    ]);
    assert.deepEqual(
      e.list({ status: 'open' }).map((a) => a.service),
      ['b'],
    );
    assert.equal(e.list({ service: 'a' }).length, 2);
  } finally {
    cleanup();
  }
});
