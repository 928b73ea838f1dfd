import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { cleanupHome, startDaemon, waitFor, type TestDaemon } from '../helpers/daemon.js';
import { fixture } from '../helpers/paths.js';

interface Hook {
  url: string;
  received: { text: string; body: Record<string, unknown> }[];
  server: Server;
}

/** A webhook receiver on loopback; `hang` never answers. */
async function webhook(mode: 'ok' | 'hang'): Promise<Hook> {
  const received: Hook['received'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      try {
        const body = JSON.parse(data) as Record<string, unknown>;
        received.push({ text: String(body.text), body });
      } catch {
        // not JSON
      }
      if (mode === 'ok') res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, received, server };
}

describe('alerts and actions with real processes', () => {
  let d: TestDaemon;
  let hook: Hook;
  before(async () => {
    d = await startDaemon();
    hook = await webhook('ok');
  });
  after(async () => {
    await d.stop();
    cleanupHome(d.home);
    hook.server.closeAllConnections();
    hook.server.close();
  });

  test('fd utilisation: a SQLite leak under nofile 256 raises an alert naming the .db, reaches the webhook, and with action restart is restarted gracefully before EMFILE (fd-limit)', async () => {
    const db = join(d.home, 'orders.db');
    await d.client.startNew({
      name: 'orders-api',
      // 2 connections a second, 3 descriptors each (db, -wal, -shm): ~80 s to reach 256 from the start.
      command: ['python3', '-u', fixture('services', 'sqlite_leak.py'), db, '2'],
      cwd: '/',
      options: {
        sample_interval: '1s',
        limits: { nofile: 256 },
        alerts: { fds: { warn: '50%', fail: '80%' }, webhooks: [{ url: hook.url, min_interval: '1s' }] },
        leak: { action: 'restart', min_interval: '10m' },
      },
    });
    const first = (await d.client.inspect('orders-api')).pid!;
    const alert = await waitFor(
      'fds alert',
      async () =>
        (await d.client.alerts({ service: 'orders-api' })).find((a) => a.kind === 'fds-utilisation'),
      90_000,
      500,
    );
    assert.match(alert.message, /orders-api has \d+ of 256 file descriptors open/);
    assert.match(alert.message, /orders\.db.* is open \d+ times/);
    await waitFor('webhook delivery', () => hook.received.some((r) => /orders-api/.test(r.text)), 10_000);
    // Restarted at fail (80%), with its reason — not crashed on EMFILE.
    const s = await waitFor(
      'leak restart',
      async () => {
        const x = await d.client.inspect('orders-api');
        return x.pid && x.pid !== first ? x : null;
      },
      90_000,
      500,
    );
    const run = (s.runs as { pid: number; reason: string }[]).find((r) => r.pid === first)!;
    assert.equal(run.reason, 'fd-limit');
    const ev = await d.client.events({ service: 'orders-api', limit: 500 });
    assert.ok(!ev.some((e) => e.kind === 'crash'), 'it never crashed (no EMFILE)');
    await d.client.remove('orders-api');
  });

  test('leak verdict: a SQLite (WAL) leak under nofile 256 raises a leak-fds alert naming the .db that reaches the webhook, and with action restart is restarted gracefully (leak-fds) before EMFILE', async () => {
    const db = join(d.home, 'gateway.db');
    await d.client.startNew({
      name: 'gateway',
      // One connection a second (about 2-3 descriptors each): EMFILE after about 90-120 s.
      command: ['python3', '-u', fixture('services', 'sqlite_leak.py'), db, '1'],
      cwd: '/',
      options: {
        sample_interval: '1s',
        limits: { nofile: 256 },
        // Utilisation thresholds out of the way: this test is about the leak verdict.
        alerts: { fds: { warn: '99%', fail: '100%' }, webhooks: [{ url: hook.url, min_interval: '1s' }] },
        leak: { action: 'restart', restart_before: '40s', min_interval: '10m', warmup: '30s' },
      },
    });
    const first = (await d.client.inspect('gateway')).pid!;
    const alert = await waitFor(
      'leak alert',
      async () => (await d.client.alerts({ service: 'gateway' })).find((a) => a.kind === 'leak-fds'),
      150_000,
      500,
    );
    assert.match(
      alert.message,
      /gateway is leaking ~\d+ descriptors an hour — gateway\.db.* is open \d+ times — it will hit its limit of 256/,
    );
    await waitFor(
      'webhook delivery',
      () => hook.received.some((r) => /gateway is leaking/.test(r.text)),
      10_000,
    );
    const s = await waitFor(
      'leak restart',
      async () => {
        const x = await d.client.inspect('gateway');
        return x.pid && x.pid !== first ? x : null;
      },
      150_000,
      500,
    );
    const run = (s.runs as { pid: number; reason: string }[]).find((r) => r.pid === first)!;
    assert.equal(run.reason, 'leak-fds');
    const ev = await d.client.events({ service: 'gateway', limit: 500 });
    assert.ok(!ev.some((e) => e.kind === 'crash'), 'restarted before EMFILE, never crashed');
    await d.client.remove('gateway');
  });

  test('a healthy service with bursty descriptors and a warm-up raises no alert', async () => {
    await d.client.startNew({
      name: 'bursty',
      command: ['python3', '-u', fixture('services', 'bursty.py')],
      cwd: '/',
      options: { sample_interval: '1s', limits: { nofile: 256 } },
    });
    await new Promise((r) => setTimeout(r, 20_000));
    const v = await d.client.inspect('bursty');
    assert.equal(v.status, 'running');
    assert.deepEqual(await d.client.alerts({ service: 'bursty' }), []);
    assert.notEqual(v.leak.fds?.verdict, 'leak');
    await d.client.remove('bursty');
  });

  test('a crash loop raises one alert, not one per crash; acknowledging works', async () => {
    await d.client.startNew({
      name: 'crasher',
      command: ['sh', '-c', 'exit 2'],
      cwd: '/',
      options: { backoff: { initial: '10ms', max: '50ms' } },
    });
    await waitFor('many crashes', async () => (await d.client.inspect('crasher')).restarts >= 15, 20_000);
    const list = (await d.client.alerts({ service: 'crasher' })).filter((a) => a.status === 'open');
    assert.equal(list.length, 1, JSON.stringify(list));
    assert.equal(list[0]!.kind, 'crash-loop');
    const r = await d.cli(['alerts', 'ack', String(list[0]!.id)]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await d.client.alerts({ service: 'crasher' }))[0]!.acked_at);
    const ls = await d.cli(['ls']);
    assert.match(ls.stdout, /crasher\s+\S+ \(alert: crash-loop \(acknowledged\)\)/);
    await d.client.remove('crasher');
  });

  test('a webhook that hangs slows nothing down', async () => {
    const hang = await webhook('hang');
    try {
      await d.client.startNew({
        name: 'noisy',
        command: ['sh', '-c', 'exit 2'],
        cwd: '/',
        options: {
          backoff: { initial: '10ms', max: '20ms' },
          alerts: { webhooks: [{ url: hang.url, timeout: '30s', retries: 5 }] },
        },
      });
      await waitFor('alert sent', () => hang.received.length > 0, 20_000);
      // While the webhook hangs, the API answers and restarts go on.
      const t0 = Date.now();
      for (let i = 0; i < 20; i++) await d.client.list();
      const perCall = (Date.now() - t0) / 20;
      assert.ok(perCall < 200, `API call took ${perCall} ms`);
      const n = (await d.client.inspect('noisy')).restarts;
      await waitFor(
        'keeps restarting',
        async () => (await d.client.inspect('noisy')).restarts > n + 5,
        10_000,
      );
      await d.client.remove('noisy');
    } finally {
      hang.server.closeAllConnections();
      hang.server.close();
    }
  });
});
