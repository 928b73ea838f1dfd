import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { ApplyResult } from '../supervisor/supervisor.js';
import type { DaemonInfo } from '../daemon/daemon.js';
import { homePaths, resolveHome } from '../daemon/home.js';
import type { ServiceView } from '../daemon/views.js';
import type { EventRow } from '../store/store.js';
import type { Alert } from '../alerts/index.js';
import type { ScheduleEntry } from '../schedule/enforcer.js';
import type { HistoryPoint } from '../store/history.js';
import { VigilError } from '../errors.js';
import { open, readText, send, type HttpReply } from './http.js';

export const DEFAULT_PORT = 7171;

/** A line of a service's log. */
export interface LogLine {
  stream: 'out' | 'err';
  text: string;
  t: number | null;
}

export interface LogQuery {
  n?: number;
  since?: number;
  grep?: string;
  stream?: 'out' | 'err' | 'both';
}

function logQuery(o: LogQuery): URLSearchParams {
  const q = new URLSearchParams();
  if (o.n !== undefined) q.set('n', String(o.n));
  if (o.since !== undefined) q.set('since', String(o.since));
  if (o.grep !== undefined) q.set('grep', o.grep);
  if (o.stream !== undefined) q.set('stream', o.stream);
  return q;
}

/** One server-sent event: its name, its id if any, and its JSON data parsed. */
export interface StreamMessage {
  event: string;
  id: string | null;
  data: unknown;
}

/** Incremental parser of a text/event-stream (comments skipped, multi-line data joined). */
export class SseParser {
  private buf = '';
  /** Feeds text; returns the complete messages it closed. */
  push(text: string): StreamMessage[] {
    this.buf += text;
    const out: StreamMessage[] = [];
    for (;;) {
      const m = /\r?\n\r?\n/.exec(this.buf);
      if (!m) break;
      const block = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      let event = 'message';
      let id: string | null = null;
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'id') id = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length === 0) continue;
      const raw = data.join('\n');
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        parsed = raw;
      }
      out.push({ event, id, data: parsed });
    }
    return out;
  }
}

export interface ClientOptions {
  home?: string;
  port?: number;
  token?: string;
}

/** Where the daemon of a home listens: daemon.json if it exists, else --port / VIGIL_PORT / 7171. */
export function resolvePort(home: string, explicit?: number): number {
  if (explicit !== undefined) return explicit;
  try {
    const info = JSON.parse(readFileSync(homePaths(home).info, 'utf8')) as { port: number };
    if (Number.isInteger(info.port)) return info.port;
  } catch {
    // no daemon.json
  }
  const env = process.env.VIGIL_PORT;
  return env && /^\d+$/.test(env) ? Number(env) : DEFAULT_PORT;
}

/** Typed client of the daemon's HTTP API (used by the CLI and the tests). */
export class VigilClient {
  readonly home: string;
  readonly port: number;
  private readonly token: string | undefined;

  constructor(opts: ClientOptions = {}) {
    this.home = opts.home ?? resolveHome();
    this.port = resolvePort(this.home, opts.port);
    this.token = opts.token;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private readToken(): string {
    if (this.token) return this.token;
    try {
      return readFileSync(homePaths(this.home).token, 'utf8').trim();
    } catch {
      throw new VigilError(
        'DAEMON_NOT_RUNNING',
        `no Vigil daemon has run for ${this.home} (no token file); start one with 'vigil up'`,
      );
    }
  }

  /** Sends a request; turns API errors into VigilError with the API's code and message. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.readToken()}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: HttpReply;
    try {
      res = await send(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new VigilError(
        'DAEMON_NOT_RUNNING',
        `cannot reach the Vigil daemon at ${this.baseUrl} (VIGIL_HOME=${this.home}); start it with 'vigil up'`,
      );
    }
    const text = res.text;
    let data: unknown;
    try {
      data = text.length ? JSON.parse(text) : null;
    } catch {
      data = text;
    }
    if (res.status < 200 || res.status > 299) {
      const e = (data as { error?: { code?: string; message?: string } } | null)?.error;
      throw new VigilError(e?.code ?? `HTTP_${res.status}`, e?.message ?? `HTTP ${res.status}`, {
        status: res.status,
        ...(data as object),
      });
    }
    return data as T;
  }

  /** True when a daemon answers on this home's port. */
  async ping(): Promise<boolean> {
    try {
      const r = await send(this.baseUrl + '/health');
      return r.status === 200 || r.status === 503;
    } catch {
      return false;
    }
  }

  info(): Promise<DaemonInfo> {
    return this.request('GET', '/api/v1/daemon');
  }
  list(): Promise<ServiceView[]> {
    return this.request('GET', '/api/v1/services');
  }
  inspect(name: string): Promise<ServiceView & Record<string, unknown>> {
    return this.request('GET', `/api/v1/services/${encodeURIComponent(name)}`);
  }
  startNew(req: {
    name: string;
    command: string[];
    cwd: string;
    env?: Record<string, string>;
    options?: Record<string, unknown>;
  }): Promise<ServiceView> {
    return this.request('POST', '/api/v1/services', req);
  }
  history(
    name: string,
    opts: { since?: number; until?: number } = {},
  ): Promise<{ resolution: string; points: HistoryPoint[] }> {
    const q = new URLSearchParams();
    if (opts.since !== undefined) q.set('since', String(opts.since));
    if (opts.until !== undefined) q.set('until', String(opts.until));
    return this.request('GET', `/api/v1/services/${encodeURIComponent(name)}/history?${q}`);
  }
  logs(name: string, opts: LogQuery = {}): Promise<{ lines: LogLine[] }> {
    return this.request('GET', `/api/v1/services/${encodeURIComponent(name)}/logs?${logQuery(opts)}`);
  }

  /** Follows a service's logs live (server-sent events); yields lines until `signal` aborts. */
  async *followLogs(name: string, opts: LogQuery = {}, signal?: AbortSignal): AsyncGenerator<LogLine> {
    for await (const ev of this.sse(
      `/api/v1/services/${encodeURIComponent(name)}/logs/follow?${logQuery(opts)}`,
      signal,
    )) {
      if (ev.event === 'log') yield ev.data as LogLine;
    }
  }

  /** Reads a server-sent-events stream of the API; ends quietly when `signal` aborts. */
  async *sse(path: string, signal?: AbortSignal): AsyncGenerator<StreamMessage> {
    let res: IncomingMessage;
    try {
      res = await open(this.baseUrl + path, {
        headers: { authorization: `Bearer ${this.readToken()}`, accept: 'text/event-stream' },
        signal,
      });
    } catch {
      if (signal?.aborted) return;
      throw new VigilError('DAEMON_NOT_RUNNING', `cannot reach the Vigil daemon at ${this.baseUrl}`);
    }
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      const text = await readText(res);
      let e: { code?: string; message?: string } | undefined;
      try {
        e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
      } catch {
        // not JSON
      }
      throw new VigilError(e?.code ?? `HTTP_${status}`, e?.message ?? `HTTP ${status} ${text.slice(0, 200)}`);
    }
    const parser = new SseParser();
    res.setEncoding('utf8');
    try {
      for await (const chunk of res) {
        for (const m of parser.push(chunk as string)) yield m;
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    } finally {
      res.destroy();
    }
  }

  start(name: string): Promise<ServiceView> {
    return this.request('POST', `/api/v1/services/${encodeURIComponent(name)}/start`);
  }
  stop(name: string): Promise<ServiceView & { survivors: { pid: number; cmd: string }[] }> {
    return this.request('POST', `/api/v1/services/${encodeURIComponent(name)}/stop`);
  }
  restart(name: string): Promise<ServiceView> {
    return this.request('POST', `/api/v1/services/${encodeURIComponent(name)}/restart`);
  }
  remove(name: string): Promise<{ removed: string; survivors: { pid: number; cmd: string }[] }> {
    return this.request('DELETE', `/api/v1/services/${encodeURIComponent(name)}`);
  }
  /** Every scheduled service with its next start and stop and its manual overrides. */
  schedule(): Promise<ScheduleEntry[]> {
    return this.request('GET', '/api/v1/schedule');
  }
  apply(path: string, text: string): Promise<ApplyResult> {
    return this.request('POST', '/api/v1/apply', { path, text });
  }
  events(opts: { since?: number; limit?: number; service?: string } = {}): Promise<EventRow[]> {
    const q = new URLSearchParams();
    if (opts.since !== undefined) q.set('since', String(opts.since));
    if (opts.limit !== undefined) q.set('limit', String(opts.limit));
    if (opts.service !== undefined) q.set('service', opts.service);
    return this.request('GET', `/api/v1/events?${q}`);
  }
  /** A fresh one-time dashboard login code (needs the token). */
  loginCode(): Promise<{ code: string; url: string; expires_in_s: number }> {
    return this.request('GET', '/api/v1/login-code');
  }
  /**
   * Follows the daemon's server-sent events (`event` rows, `sample`s, and `log` lines with `logs`).
   * Ends when the daemon closes the stream or `signal` aborts.
   */
  async *stream(
    opts: { service?: string; logs?: boolean; since?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<StreamMessage> {
    const q = new URLSearchParams();
    if (opts.service !== undefined) q.set('service', opts.service);
    if (opts.logs) q.set('logs', '1');
    if (opts.since !== undefined) q.set('since', String(opts.since));
    yield* this.sse(`/api/v1/stream?${q}`, opts.signal);
  }
  alerts(opts: { status?: 'open' | 'resolved'; service?: string; limit?: number } = {}): Promise<Alert[]> {
    const q = new URLSearchParams();
    if (opts.status) q.set('status', opts.status);
    if (opts.service) q.set('service', opts.service);
    if (opts.limit !== undefined) q.set('limit', String(opts.limit));
    return this.request('GET', `/api/v1/alerts?${q}`);
  }
  ackAlert(id: number): Promise<Alert> {
    return this.request('POST', `/api/v1/alerts/${id}/ack`);
  }
  shutdown(leaveRunning: boolean): Promise<{ pid: number }> {
    return this.request('POST', '/api/v1/shutdown', { leave_running: leaveRunning });
  }
}
