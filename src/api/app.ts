import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { Daemon } from '../daemon/daemon.js';
import { VigilError } from '../errors.js';
import { renderMetrics } from './metrics.js';
import { allowedHosts, bearer, originAllowed, tokenMatches } from './auth.js';
// web: sessions, SSE and the dashboard (src/api/session.ts, stream.ts, web.ts)
import { serveStream, streamQuery } from './stream.js';
import { CODE_TTL_MS, loginUrl } from './session.js';
import { csrfOk, mountWeb, sessionOf, type Principal } from './web.js';

/** Largest request body accepted (a vigil.yaml fits many times over). */
export const MAX_BODY = 1024 * 1024;

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;

export const startBody = z.strictObject({
  name: z.string().regex(NAME, 'a name is letters, digits, dot, dash or underscore (at most 64)'),
  command: z.array(z.string()).min(1),
  cwd: z.string().min(1),
  env: z.record(z.string(), z.string()).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});
export const applyBody = z.strictObject({ path: z.string().min(1), text: z.string() });
export const shutdownBody = z.strictObject({ leave_running: z.boolean().default(false) });

const STATUS: Record<string, 400 | 404 | 409 | 422> = {
  SERVICE_NOT_FOUND: 404,
  ALERT_NOT_FOUND: 404,
  SERVICE_EXISTS: 409,
  SERVICE_STOPPING: 409,
  MAX_CONCURRENT: 409,
  CONFIG_INVALID: 422,
  INVALID_OPTIONS: 422,
};

function fail(
  c: Context,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
) {
  return c.json({ error: { code, message, ...extra } }, status as 400);
}

async function body<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  let raw: unknown;
  try {
    const text = await c.req.text();
    raw = text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw new VigilError('BAD_REQUEST', 'the request body is not valid JSON');
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    throw new VigilError(
      'BAD_REQUEST',
      r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  }
  return r.data;
}

/** The daemon's HTTP API. Every route but `/health` needs the token. */
export function createApp(daemon: Daemon, port: () => number, extraHosts: string[] = []): Hono {
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof VigilError) {
      const status = err.code === 'BAD_REQUEST' ? 400 : (STATUS[err.code] ?? 422);
      return fail(c, status, err.code, err.message, err.details ?? {});
    }
    daemon.log.error('API error', { path: c.req.path, error: String(err) });
    return fail(c, 500, 'INTERNAL', 'internal error; see daemon.log');
  });
  app.notFound((c) => fail(c, 404, 'NOT_FOUND', `no route ${c.req.method} ${c.req.path}`));

  // Host and Origin: a foreign page cannot reach the daemon by DNS rebinding or cross-site requests.
  app.use('*', async (c, next) => {
    const hosts = allowedHosts(port(), [...extraHosts, ...daemon.allowedHosts]);
    const host = (c.req.header('host') ?? '').toLowerCase();
    if (!hosts.has(host)) return fail(c, 403, 'FORBIDDEN_HOST', `Host '${host}' is not allowed`);
    if (!originAllowed(c.req.header('origin'), hosts))
      return fail(c, 403, 'FORBIDDEN_ORIGIN', 'cross-origin requests are not allowed');
    await next();
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY,
      onError: (c) => fail(c, 413, 'TOO_LARGE', `request body over ${MAX_BODY} bytes`),
    }),
  );

  const authed = (c: Context) => tokenMatches(bearer(c.req.header('authorization')), daemon.token);
  // web: the dashboard's session cookie is as good as the token for /api/*, CSRF-checked.
  const principal = (c: Context): Principal =>
    authed(c) ? 'token' : daemon.sessions.valid(sessionOf(c, port())) ? 'session' : null;

  app.get('/health', (c) => {
    const list = daemon.list();
    const bad = list.filter((s) => s.status === 'failed' || s.status === 'crash-loop');
    const warn = list.filter((s) => s.status === 'backoff');
    const status = bad.length > 0 ? 'fail' : warn.length > 0 ? 'warn' : 'pass';
    const payload: Record<string, unknown> = { status };
    if (authed(c)) {
      payload.checks = Object.fromEntries(
        list.map((s) => [
          `service:${s.name}`,
          [
            {
              componentType: 'service',
              status:
                s.status === 'failed' || s.status === 'crash-loop'
                  ? 'fail'
                  : s.status === 'backoff'
                    ? 'warn'
                    : 'pass',
              observedValue: s.status,
              time: new Date().toISOString(),
            },
          ],
        ]),
      );
    }
    c.header('content-type', 'application/health+json');
    return c.body(JSON.stringify(payload), status === 'fail' ? 503 : 200);
  });

  // Prometheus scrapes with the token (`authorization: {credentials_file: …/token}` in its scrape config).
  app.get('/metrics', (c) => {
    if (!authed(c)) return fail(c, 401, 'UNAUTHORIZED', 'missing or wrong token (Authorization: Bearer …)');
    c.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    return c.body(renderMetrics(daemon));
  });

  app.use('/api/*', async (c, next) => {
    const who = principal(c);
    if (!who)
      return fail(c, 401, 'UNAUTHORIZED', 'missing or wrong token (Authorization: Bearer …) or session');
    if (who === 'session' && !csrfOk(c))
      return fail(c, 403, 'FORBIDDEN_ORIGIN', 'a cookie-authenticated change needs an Origin header');
    await next();
  });

  const api = new Hono();
  api.get('/daemon', (c) => c.json(daemon.info()));
  api.get('/services', (c) => c.json(daemon.list()));
  api.post('/services', async (c) => {
    const b = await body(c, startBody);
    return c.json(daemon.startManual(b), 201);
  });
  api.get('/services/:name', (c) => c.json(daemon.inspect(c.req.param('name'))));
  api.get('/services/:name/history', (c) => {
    const q = z
      .object({
        since: z.coerce.number().int().min(0).optional(),
        until: z.coerce.number().int().min(0).optional(),
      })
      .safeParse(c.req.query());
    if (!q.success)
      return fail(
        c,
        400,
        'BAD_REQUEST',
        q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    const since = q.data.since ?? Date.now() - 3600_000;
    return c.json(daemon.historyOf(c.req.param('name'), since, q.data.until));
  });
  const logQuery = z.object({
    n: z.coerce.number().int().min(1).max(100_000).optional(),
    since: z.coerce.number().int().min(0).optional(),
    grep: z.string().max(1000).optional(),
    stream: z.enum(['out', 'err', 'both']).optional(),
  });
  const parseLogQuery = (c: Context) => {
    const q = logQuery.safeParse(c.req.query());
    if (!q.success)
      throw new VigilError(
        'BAD_REQUEST',
        q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    let grep: RegExp | undefined;
    if (q.data.grep !== undefined) {
      try {
        grep = new RegExp(q.data.grep);
      } catch (err) {
        throw new VigilError('BAD_REQUEST', `grep: ${(err as Error).message}`);
      }
    }
    const streams: ('out' | 'err')[] =
      q.data.stream === 'out' ? ['out'] : q.data.stream === 'err' ? ['err'] : ['out', 'err'];
    return { n: q.data.n, since: q.data.since, grep, streams };
  };
  api.get('/services/:name/logs', async (c) => {
    const q = parseLogQuery(c);
    const lines = await daemon.logsOf(c.req.param('name'), { ...q, n: q.n ?? 200 });
    return c.json({ lines });
  });
  api.get('/services/:name/logs/follow', (c) => {
    const q = parseLogQuery(c);
    const follower = daemon.followLogsOf(c.req.param('name'), { grep: q.grep, streams: q.streams });
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => void follower.close());
      const beat = setInterval(() => void stream.write(': keep-alive\n\n'), 15_000);
      try {
        for await (const line of follower) {
          await stream.writeSSE({ event: 'log', data: JSON.stringify(line) });
        }
      } finally {
        clearInterval(beat);
        await follower.close();
      }
    });
  });
  api.post('/services/:name/start', (c) => {
    daemon.supervisor.start(c.req.param('name'));
    return c.json(daemon.view(c.req.param('name')));
  });
  api.post('/services/:name/stop', async (c) => {
    const survivors = await daemon.supervisor.stop(c.req.param('name'));
    return c.json({ ...daemon.view(c.req.param('name')), survivors });
  });
  api.post('/services/:name/restart', async (c) => {
    await daemon.supervisor.restart(c.req.param('name'));
    return c.json(daemon.view(c.req.param('name')));
  });
  api.delete('/services/:name', async (c) => {
    const survivors = await daemon.supervisor.remove(c.req.param('name'));
    return c.json({ removed: c.req.param('name'), survivors });
  });
  api.get('/alerts', (c) => {
    const q = z
      .object({
        status: z.enum(['open', 'resolved']).optional(),
        service: z.string().max(64).optional(),
        limit: z.coerce.number().int().min(1).max(10_000).optional(),
      })
      .safeParse(c.req.query());
    if (!q.success)
      return fail(
        c,
        400,
        'BAD_REQUEST',
        q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    return c.json(daemon.alerting?.engine.list({ ...q.data, limit: q.data.limit ?? 200 }) ?? []);
  });
  api.post('/alerts/:id/ack', (c) => {
    const id = Number(c.req.param('id'));
    if (!Number.isInteger(id) || id < 1)
      return fail(c, 400, 'BAD_REQUEST', 'an alert id is a positive whole number');
    const trs = daemon.alerting!.engine.ack(id, Date.now());
    daemon.alerting!.emit(trs);
    const a = daemon.alerting!.engine.list({ limit: 10_000 }).find((x) => x.id === id);
    return c.json(a ?? { id });
  });
  api.get('/webhooks', (c) => c.json(daemon.alerting?.webhookStats() ?? {}));
  api.get('/schedule', (c) => c.json(daemon.schedule.enforcer.describe()));
  api.post('/apply', async (c) => {
    const b = await body(c, applyBody);
    return c.json(await daemon.apply(b.path, b.text));
  });
  api.get('/events', (c) => {
    const q = z
      .object({
        since: z.coerce.number().int().min(0).optional(),
        limit: z.coerce.number().int().min(1).max(10000).optional(),
        service: z.string().optional(),
      })
      .safeParse(c.req.query());
    if (!q.success) return fail(c, 400, 'BAD_REQUEST', q.error.issues.map((i) => i.message).join('; '));
    return c.json(
      daemon.store.events({ sinceId: q.data.since, limit: q.data.limit, service: q.data.service }),
    );
  });
  api.post('/shutdown', async (c) => {
    const b = await body(c, shutdownBody);
    // Answer first, then stop: the client waits for the pid to go away.
    setImmediate(() => void daemon.shutdown({ leaveRunning: b.leave_running }));
    return c.json({ stopping: true, leave_running: b.leave_running, pid: process.pid });
  });
  // web: a fresh one-time login code (token only: a session cannot mint logins for others).
  api.get('/login-code', (c) => {
    if (!authed(c)) return fail(c, 403, 'TOKEN_REQUIRED', 'minting a login code needs the token');
    const code = daemon.sessions.mintCode();
    return c.json({ code, url: loginUrl('127.0.0.1', port(), code), expires_in_s: CODE_TTL_MS / 1000 });
  });
  // web: server-sent events (event rows, samples, logs with ?logs=1).
  api.get('/stream', (c) => {
    const q = streamQuery.safeParse(c.req.query());
    if (!q.success) return fail(c, 400, 'BAD_REQUEST', q.error.issues.map((i) => i.message).join('; '));
    return serveStream(c, daemon, q.data);
  });
  app.route('/api/v1', api);
  mountWeb(app, daemon.sessions, port);
  return app;
}
