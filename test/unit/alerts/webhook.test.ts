import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebhookNotifier, redactUrl, type WebhookFailure } from '../../../src/alerts/webhook.js';
import type { WebhookBody } from '../../../src/alerts/payload.js';
import type { Alert, Transition } from '../../../src/alerts/types.js';
import type { Verdict } from '../../../src/leak/verdict.js';
import { engine } from './helpers.js';

interface Received {
  at: number;
  body: WebhookBody;
  contentType: string | undefined;
}

/** A real HTTP server on 127.0.0.1; `reply` decides each answer (or never answers when it returns false). */
async function withServer(
  reply: (n: number, res: ServerResponse) => boolean | void,
  run: (url: string, got: Received[]) => Promise<void>,
): Promise<void> {
  const got: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      got.push({
        at: performance.now(),
        body: JSON.parse(raw) as WebhookBody,
        contentType: req.headers['content-type'],
      });
      if (reply(got.length, res) === false) return; // hang
      if (!res.headersSent) res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret-token`;
  try {
    await run(url, got);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

function transition(id: number, message: string, type: Transition['type'] = 'opened'): Transition {
  const alert: Alert = {
    id,
    service: 'orders-api',
    kind: 'leak-fds',
    severity: 'warning',
    status: 'open',
    message,
    opened_at: 1,
    updated_at: 1,
    resolved_at: null,
    acked_at: null,
    data: { slope_per_hour: 40 },
  };
  return { type, alert };
}

const hook = (
  url: string,
  over: Partial<{ timeout: number; retries: number; min_interval: number }> = {},
) => ({
  url,
  timeout: 2000,
  retries: 0,
  min_interval: 0,
  ...over,
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('delivers a JSON POST with a Slack-compatible text and the structured alert', async () => {
  await withServer(
    () => undefined,
    async (url, got) => {
      const n = new WebhookNotifier();
      n.notify([hook(url), hook(url)], transition(7, 'orders-api is leaking ~40 descriptors an hour'));
      await n.idle();
      assert.equal(got.length, 1, 'the same URL twice gets one message');
      assert.equal(got[0]!.contentType, 'application/json');
      const b = got[0]!.body;
      assert.equal(b.text, 'Vigil [warning] orders-api is leaking ~40 descriptors an hour');
      assert.equal(b.source, 'vigil');
      assert.equal(b.count, 1);
      assert.equal(b.alerts[0]!.id, 7);
      assert.equal(b.alerts[0]!.transition, 'opened');
      assert.equal(b.alerts[0]!.kind, 'leak-fds');
      assert.equal(n.stats()[url]!.sent, 1);
      assert.equal(n.stats()[url]!.failed, 0);
    },
  );
});

test('retries after an HTTP 500 with a backoff delay and delivers on the next attempt', async () => {
  await withServer(
    (i, res) => {
      if (i === 1) res.writeHead(500).end('boom');
    },
    async (url, got) => {
      const n = new WebhookNotifier({ retryBaseMs: 100 });
      n.notify([hook(url, { retries: 2 })], transition(1, 'x'));
      await n.idle();
      assert.equal(got.length, 2);
      assert.ok(
        got[1]!.at - got[0]!.at >= 95,
        `second attempt after the backoff (${got[1]!.at - got[0]!.at} ms)`,
      );
      assert.deepEqual(got[1]!.body, got[0]!.body, 'the retry carries the same message');
      const s = n.stats()[url]!;
      assert.equal(s.sent, 1);
      assert.equal(s.failed, 0);
    },
  );
});

test('a webhook that never answers times out and fails visibly, and notify() never waits for it', async (t) => {
  await withServer(
    () => false,
    async (url, got) => {
      const n = new WebhookNotifier({ retryBaseMs: 20 });
      const errors: WebhookFailure[] = [];
      n.on('error', (e: WebhookFailure) => errors.push(e));
      const target = hook(url, { timeout: 300, retries: 1, min_interval: 0 });
      const t0 = performance.now();
      const r = n.notify([target], transition(1, 'first')) as unknown;
      const first = performance.now() - t0;
      assert.equal(r, undefined, 'notify returns nothing to await');
      assert.equal(got.length, 0, 'the request had not even started when notify returned');
      await until(() => got.length === 1);
      // While a request hangs, more notifications still return at once.
      const times: number[] = [];
      for (let i = 0; i < 50; i++) {
        const s = performance.now();
        n.notify([target], transition(2 + i, `more ${i}`));
        times.push(performance.now() - s);
      }
      times.sort((a, b) => a - b);
      const median = times[25]!;
      t.diagnostic(
        `notify(): first call ${first.toFixed(3)} ms; while hanging median ${median.toFixed(4)} ms, max ${times[49]!.toFixed(3)} ms`,
      );
      assert.ok(median < 1, `notify() median ${median} ms`);
      await n.idle();
      const s = n.stats()[url]!;
      assert.equal(s.sent, 0);
      assert.equal(s.failed, 2, 'the first message and the folded second one both gave up');
      assert.equal(s.last_error, 'no answer within 300 ms');
      assert.ok(s.last_error_at !== null);
      assert.equal(got.length, 4, 'two messages, each tried twice');
      assert.equal(errors.length, 2);
      assert.equal(errors[0]!.attempts, 2);
      assert.equal(errors[1]!.count, 50);
    },
  );
});

test('the rate limit folds what arrives within min_interval into one message, counting what was folded', async () => {
  await withServer(
    () => undefined,
    async (url, got) => {
      const n = new WebhookNotifier();
      const target = hook(url, { min_interval: 400 });
      const sentAt = performance.now();
      n.notify([target], transition(1, 'one'));
      await until(() => got.length === 1);
      for (let i = 2; i <= 5; i++) n.notify([target], transition(i, `alert ${i}`));
      await n.idle();
      assert.equal(got.length, 2);
      assert.ok(
        got[1]!.at - sentAt >= 395,
        `the second message waited min_interval after the first was sent (${got[1]!.at - sentAt} ms)`,
      );
      const b = got[1]!.body;
      assert.equal(b.count, 4);
      assert.equal(b.folded, 3);
      assert.equal(
        b.text,
        'Vigil: 4 alerts\n[warning] alert 2\n[warning] alert 3\n[warning] alert 4\n[warning] alert 5',
      );
      assert.deepEqual(
        b.alerts.map((a) => a.id),
        [2, 3, 4, 5],
      );
      assert.equal(n.stats()[url]!.folded, 3);
      assert.equal(n.stats()[url]!.sent, 2);
    },
  );
});

test("a dead webhook's queue is bounded: the oldest notifications are dropped and counted", async () => {
  await withServer(
    () => false,
    async (url, got) => {
      const n = new WebhookNotifier({ maxQueue: 3 });
      const target = hook(url, { timeout: 300 });
      n.notify([target], transition(1, 'in flight'));
      await until(() => got.length === 1);
      for (let i = 2; i <= 10; i++) n.notify([target], transition(i, `queued ${i}`));
      assert.equal(n.stats()[url]!.queued, 3);
      assert.equal(n.stats()[url]!.dropped, 6);
      await until(() => got.length === 2);
      const b = got[1]!.body;
      assert.deepEqual(
        b.alerts.map((a) => a.id),
        [8, 9, 10],
      );
      assert.equal(b.dropped, 6);
      assert.match(b.text, /6 older notifications were dropped/);
      await n.idle();
      assert.equal(n.stats()[url]!.failed, 2);
    },
  );
});

test('a refused connection shows in stats with its error code, and an unheard failure does not throw', async () => {
  let url = '';
  await withServer(
    () => undefined,
    async (u) => {
      url = u;
    },
  );
  // The server is closed now: nothing listens on that port.
  const n = new WebhookNotifier();
  n.notify([hook(url)], { text: 'test message' });
  await n.idle();
  const s = n.stats()[url]!;
  assert.equal(s.failed, 1);
  assert.match(s.last_error ?? '', /ECONNREFUSED/);
});

test('redactUrl keeps the host and hides the secret part of a webhook URL', () => {
  assert.equal(
    redactUrl('https://hooks.slack.com/services/T000/B000/XXXX'),
    'https://hooks.slack.com/services/…',
  );
  assert.equal(redactUrl('not a url'), '(invalid url)');
});

test('a leak alert of the engine reaches the webhook in words, naming the top target', async () => {
  const { engine: e, cleanup } = engine();
  try {
    await withServer(
      () => undefined,
      async (url, got) => {
        const n = new WebhookNotifier();
        const now = Date.UTC(2026, 10, 23, 12, 0, 0);
        const verdict: Verdict = {
          verdict: 'leak',
          slope_per_hour: 40,
          eta_t: (now + 2 * 3600_000) / 1000,
          eta_low_t: null,
          eta_high_t: null,
          reason: 'steady',
        };
        const ctx = {
          limit: 256,
          top_targets: [{ target: '/tmp/app/orders.db (+ -wal, -shm)', count: 180 }],
        };
        for (const t of e.observeVerdict('orders-api', 'fds', verdict, ctx, now)) n.notify([hook(url)], t);
        await n.idle();
        assert.equal(got.length, 1);
        assert.match(
          got[0]!.body.text,
          /orders-api is leaking ~40 descriptors an hour — orders\.db is open 180 times/,
        );
        assert.equal(got[0]!.body.alerts[0]!.kind, 'leak-fds');
      },
    );
  } finally {
    cleanup();
  }
});
