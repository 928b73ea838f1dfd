/**
 * The HTTP API reference, generated: one row per route from ROUTES below, with request bodies and queries
 * rendered from the same zod schemas the routes validate with. `scripts/gen-api-docs.ts` writes
 * docs/api.md; a unit test fails when that file differs or when a registered route is missing here.
 */
import type { z } from 'zod';
import { isOptional, metaOf, shapeOf, typeName } from '../config/introspect.js';
import { applyBody, shutdownBody, startBody } from './app.js';
import { streamQuery } from './stream.js';

type Schema = z.core.$ZodType;

/** Who may call a route. */
export type Auth = 'none' | 'token' | 'token or session' | 'code';

export interface RouteDoc {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  auth: Auth;
  summary: string;
  body?: Schema;
  query?: Schema;
  /** Query parameters of routes whose schema lives elsewhere (written by hand). */
  queryText?: string;
  response: string;
  /** Documented before it exists in this branch (the lead adds it); the docs test lists such routes. */
  planned?: boolean;
}

const SVC = '`ServiceView` (see `vigil ls --json`)';

/** Every route of the daemon. Keep in step with src/api/app.ts (the docs test checks it). */
export const ROUTES: RouteDoc[] = [
  {
    method: 'GET',
    path: '/health',
    auth: 'none',
    summary:
      'Overall health (draft-inadarei-api-health-check): 200 pass/warn, 503 fail. With the token, per-service `checks` too.',
    response: '`{status}` (+ `checks` with the token)',
  },
  {
    method: 'GET',
    path: '/metrics',
    auth: 'token',
    summary:
      'Prometheus text format: per service up, status, restarts, open fds, fd limit, fds by type, RSS, PSS, memory limit, leak verdict, slope and ETA; open alerts; the daemon’s own memory, CPU and fds.',
    response: '`text/plain; version=0.0.4`',
  },
  {
    method: 'GET',
    path: '/login',
    auth: 'code',
    summary:
      'Exchanges a one-time `?code=` for the session cookie `vigil_session_PORT` and redirects to `/`. 401 for a wrong/used/expired code, 429 (with Retry-After) after 5 failures.',
    response: '303 to `/` with Set-Cookie',
  },
  {
    method: 'POST',
    path: '/logout',
    auth: 'none',
    summary: 'Ends the session of the cookie sent (needs an Origin header) and clears the cookie.',
    response: '303 to `/`',
  },
  {
    method: 'GET',
    path: '/api/v1/daemon',
    auth: 'token or session',
    summary: 'The daemon: pid, version, home, port, bind, start time, number of services.',
    response: '`{pid, version, home, port, bind, started_at, services}`',
  },
  {
    method: 'GET',
    path: '/api/v1/login-code',
    auth: 'token',
    summary:
      'Mints a fresh one-time login code (what `vigil dashboard` prints). A session cannot mint codes.',
    response: '`{code, url, expires_in_s}`',
  },
  {
    method: 'GET',
    path: '/api/v1/services',
    auth: 'token or session',
    summary: 'Every service.',
    response: `array of ${SVC}`,
  },
  {
    method: 'POST',
    path: '/api/v1/services',
    auth: 'token or session',
    summary: 'Runs a command as a new service (`vigil start --name`).',
    body: startBody,
    response: `201, ${SVC}`,
  },
  {
    method: 'GET',
    path: '/api/v1/services/:name',
    auth: 'token or session',
    summary: 'One service in detail (`vigil inspect`).',
    response: `${SVC} + \`runs\`, \`fds\` {total, limit, by_type, top_targets}, \`sockets\`, \`processes\`, \`leak\``,
  },
  {
    method: 'GET',
    path: '/api/v1/services/:name/history',
    auth: 'token or session',
    summary:
      'Samples over time (the dashboard’s charts): raw within a day, else 1-minute, else 15-minute points.',
    queryText: '`since`, `until` (ms since the epoch; default the last hour)',
    response:
      '`{resolution: "raw"|"1m"|"15m", points: [{t, fds, fd_limit, fds_total, rss_bytes, pss_bytes, mem_limit_bytes}]}`',
  },
  {
    method: 'GET',
    path: '/api/v1/services/:name/logs',
    auth: 'token or session',
    summary: 'Log lines, across rotated and compressed files.',
    queryText:
      '`n` (last N lines, default 200), `since` (ms since the epoch), `grep` (regular expression), `stream` (`out`, `err` or `both`)',
    response: '`{lines: [{t, stream, text}]}` (`t` is null unless the service logs with timestamps)',
  },
  {
    method: 'GET',
    path: '/api/v1/services/:name/logs/follow',
    auth: 'token or session',
    summary: 'New log lines as they are written (server-sent events, `event: log`).',
    queryText: '`grep`, `stream` as above',
    response: '`text/event-stream` of `{t, stream, text}`',
  },
  {
    method: 'POST',
    path: '/api/v1/services/:name/start',
    auth: 'token or session',
    summary: 'Starts a stopped service.',
    response: SVC,
  },
  {
    method: 'POST',
    path: '/api/v1/services/:name/stop',
    auth: 'token or session',
    summary: 'Stops a service gracefully (its whole process tree).',
    response: `${SVC} + \`survivors\``,
  },
  {
    method: 'POST',
    path: '/api/v1/services/:name/restart',
    auth: 'token or session',
    summary: 'Restarts a service.',
    response: SVC,
  },
  {
    method: 'DELETE',
    path: '/api/v1/services/:name',
    auth: 'token or session',
    summary: 'Stops and forgets a service.',
    response: '`{removed, survivors}`',
  },
  {
    method: 'POST',
    path: '/api/v1/apply',
    auth: 'token or session',
    summary: 'Makes the services match a vigil.yaml given as text (`vigil apply`).',
    body: applyBody,
    response: '`{started, restarted, updated, removed, unchanged}`',
  },
  {
    method: 'GET',
    path: '/api/v1/events',
    auth: 'token or session',
    summary: 'Recorded events (state changes, crashes, restarts, alerts), oldest first.',
    queryText: '`since` (event id), `limit` (1–10000), `service`',
    response: 'array of `{id, t, service, kind, message, data_json}`',
  },
  {
    method: 'GET',
    path: '/api/v1/stream',
    auth: 'token or session',
    summary:
      'Server-sent events: `event` (event rows, with `id:`; `since` or Last-Event-ID replays missed rows first), `sample`, and `log` with `logs=1`. A `: keep-alive` comment every 15 s.',
    query: streamQuery,
    response: '`text/event-stream`',
  },
  {
    method: 'GET',
    path: '/api/v1/alerts',
    auth: 'token or session',
    summary: 'Open and resolved alerts, newest first.',
    queryText: '`status` (`open` or `resolved`), `service`, `limit` (default 200)',
    response:
      "array of `{id, service, kind, severity, status: 'open'|'resolved', message, opened_at, updated_at, resolved_at, acked_at, data}`",
  },
  {
    method: 'POST',
    path: '/api/v1/alerts/:id/ack',
    auth: 'token or session',
    summary: 'Acknowledges an alert (acknowledging `leak-loop` lets leak restarts resume).',
    response: 'the alert',
  },
  {
    method: 'GET',
    path: '/api/v1/webhooks',
    auth: 'token or session',
    summary: 'Delivery statistics of each webhook (URLs with their secrets redacted).',
    response: '`{URL: {sent, failed, dropped, folded, queued, last_error, last_error_at, last_sent_at}}`',
  },
  {
    method: 'GET',
    path: '/api/v1/schedule',
    auth: 'token or session',
    summary:
      'Every scheduled service with its next start and stop, in its zone and in UTC (`vigil schedule`).',
    response: 'array of `{service, next_start, next_stop, active, windows, held_until, manual_run}`',
  },
  {
    method: 'POST',
    path: '/api/v1/shutdown',
    auth: 'token or session',
    summary: 'Stops the services (unless `leave_running`) and the daemon (`vigil down`).',
    body: shutdownBody,
    response: '`{stopping, leave_running, pid}`',
  },
];

function fields(schema: Schema): string {
  const rows = Object.entries(shapeOf(schema)).map(([k, f]) => {
    const d = metaOf(f).description;
    return `\`${k}\`${isOptional(f) ? '?' : ''}: ${typeName(f)}${d ? ` — ${d}` : ''}`;
  });
  return rows.join('<br>');
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** docs/api.md as it should be. */
export function renderApiDocs(): string {
  const out: string[] = [
    '# HTTP API',
    '',
    '<!-- Generated by `npx tsx scripts/gen-api-docs.ts` from src/api/docs.ts and the routes’ zod schemas. Do not edit by hand. -->',
    '',
    'The daemon listens on `127.0.0.1:PORT` (default 7171). Every request must carry an allowed `Host`',
    '(`localhost`, `127.0.0.1` or `[::1]` with the port, or a name in `daemon.allowed_hosts`) and, if it has',
    'an `Origin`, an allowed one: otherwise **403**. Bodies over 1 MiB are **413**. Invalid input is a **4xx**',
    'with `{"error": {"code", "message"}}`; a missing route is 404 `NOT_FOUND`.',
    '',
    'Authentication: **token** is `Authorization: Bearer $(cat $VIGIL_HOME/token)`; **session** is the',
    'dashboard’s cookie `vigil_session_PORT` (from `/login`). A request that changes state with only a',
    'session must also carry an `Origin` header (browsers do), else 403. Without either: **401**.',
    '',
    '| Method | Path | Auth | What | Body / query | Response |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of ROUTES) {
    const input = r.body
      ? `body: ${fields(r.body)}`
      : r.query
        ? `query: ${fields(r.query)}`
        : r.queryText
          ? `query: ${r.queryText}`
          : '—';
    out.push(
      `| ${r.method} | \`${r.path}\` | ${r.auth} | ${cell(r.summary)}${r.planned ? ' *(being added)*' : ''} | ${cell(input)} | ${cell(r.response)} |`,
    );
  }
  out.push(
    '',
    'Any other `GET` outside `/api/` serves the dashboard (`web/dist`; `index.html` for client routes such as',
    '`/services/NAME` and `/alerts`), without authentication: the shell holds no data.',
    '',
  );
  return out.join('\n');
}
