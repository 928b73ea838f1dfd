import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { Daemon } from '../daemon/daemon.js';
import type { EventRow } from '../store/store.js';

/** Interval of the keep-alive comment: proxies and browsers drop idle streams after 30–60 s. */
export const HEARTBEAT_MS = 15_000;

/** Streams open at once per daemon: each holds a socket, and a runaway page should not hold hundreds. */
export const MAX_STREAMS = 64;
const open = new WeakMap<Daemon, number>();

/** Query of `GET /api/v1/stream`. */
export const streamQuery = z.strictObject({
  service: z.string().min(1).max(64).optional(),
  logs: z.enum(['0', '1']).optional(),
  since: z.coerce.number().int().min(0).optional(),
});

/** The daemon's emitter channels forwarded to SSE clients, by SSE event name. */
export const STREAM_CHANNELS = ['event', 'sample', 'log'] as const;

interface Message {
  event: (typeof STREAM_CHANNELS)[number];
  data: unknown;
  id?: number;
}

/**
 * Server-sent events: the daemon's `event` rows (with their id, so a reconnecting EventSource resumes
 * with Last-Event-ID), `sample`s and, with `logs=1`, `log` lines. Listeners are removed on disconnect.
 */
export function serveStream(c: Context, daemon: Daemon, q: z.output<typeof streamQuery>): Response {
  const lastId = c.req.header('last-event-id');
  const since = q.since ?? (lastId && /^\d{1,15}$/.test(lastId) ? Number(lastId) : undefined);
  const wants = (m: { service?: string | null }) => q.service === undefined || m.service === q.service;
  // HEAD gets the headers only: a stream nobody reads would hold its listeners until the daemon stops.
  if (c.req.method === 'HEAD') return c.body(null, 200, { 'content-type': 'text/event-stream' });
  const count = open.get(daemon) ?? 0;
  if (count >= MAX_STREAMS) {
    c.header('retry-after', '5');
    return c.json(
      { error: { code: 'TOO_MANY_STREAMS', message: `${MAX_STREAMS} event streams are already open` } },
      429,
    );
  }
  open.set(daemon, count + 1);
  // Each stream adds a listener per channel; the default cap of 10 would warn of a leak that is not one.
  if (daemon.getMaxListeners() < MAX_STREAMS + 16) daemon.setMaxListeners(MAX_STREAMS + 16);
  return streamSSE(c, async (stream) => {
    const queue: Message[] = [];
    let wake: (() => void) | null = null;
    const push = (m: Message) => {
      // A client that reads slower than events arrive is cut off rather than buffered without bound.
      if (queue.length > 10_000) {
        stream.abort();
        return;
      }
      queue.push(m);
      wake?.();
    };
    const onEvent = (row: EventRow) => {
      if (wants(row)) push({ event: 'event', data: row, id: row.id });
    };
    const onSample = (s: { service?: string }) => {
      if (wants(s)) push({ event: 'sample', data: s });
    };
    const onLog = (l: { service?: string }) => {
      if (wants(l)) push({ event: 'log', data: l });
    };
    daemon.on('event', onEvent);
    daemon.on('sample', onSample);
    if (q.logs === '1') daemon.on('log', onLog);
    const onStopped = () => stream.abort();
    daemon.on('stopped', onStopped);
    let closed = false;
    const cleanup = () => {
      if (closed) return;
      closed = true;
      open.set(daemon, (open.get(daemon) ?? 1) - 1);
      daemon.off('event', onEvent);
      daemon.off('sample', onSample);
      daemon.off('log', onLog);
      daemon.off('stopped', onStopped);
      clearInterval(beat);
      wake?.();
    };
    const beat = setInterval(() => {
      void stream.write(': keep-alive\n\n').catch(() => stream.abort());
    }, HEARTBEAT_MS);
    stream.onAbort(cleanup);

    if (stream.aborted) cleanup();
    // Whatever ends this function (abort, a failed write), the listeners and the count go with it.
    try {
      let replayedTo = 0;
      await stream.write(': connected\n\n');
      if (since !== undefined) {
        // Subscribed first, replayed second: nothing falls between the two; duplicates are skipped by id.
        for (;;) {
          const rows = daemon.store.events({
            sinceId: Math.max(since, replayedTo),
            service: q.service,
            limit: 1000,
          });
          for (const row of rows) {
            await stream.writeSSE({ event: 'event', id: String(row.id), data: JSON.stringify(row) });
            replayedTo = row.id;
          }
          if (rows.length < 1000 || closed) break;
        }
      }
      while (!closed) {
        const m = queue.shift();
        if (!m) {
          await new Promise<void>((r) => (wake = r));
          wake = null;
          continue;
        }
        if (m.id !== undefined && m.id <= replayedTo) continue;
        await stream.writeSSE({
          event: m.event,
          data: JSON.stringify(m.data),
          ...(m.id !== undefined ? { id: String(m.id) } : {}),
        });
      }
    } finally {
      cleanup();
    }
  });
}
