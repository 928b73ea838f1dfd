import { readFileSync } from 'node:fs';
import type { ApplyResult } from '../supervisor/supervisor.js';
import type { DaemonInfo } from '../daemon/daemon.js';
import { homePaths, resolveHome } from '../daemon/home.js';
import type { ServiceView } from '../daemon/views.js';
import type { EventRow } from '../store/store.js';
import type { ScheduleEntry } from '../schedule/enforcer.js';
import type { HistoryPoint } from '../store/history.js';
import { VigilError } from '../errors.js';

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
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
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
    const text = await res.text();
    let data: unknown;
    try {
      data = text.length ? JSON.parse(text) : null;
    } catch {
      data = text;
    }
    if (!res.ok) {
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
      const r = await fetch(this.baseUrl + '/health');
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
      if (ev.event === 'log') yield JSON.parse(ev.data) as LogLine;
    }
  }

  /** Reads a server-sent-events stream of the API. */
  async *sse(path: string, signal?: AbortSignal): AsyncGenerator<{ event: string; data: string }> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        headers: { authorization: `Bearer ${this.readToken()}`, accept: 'text/event-stream' },
        signal,
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') return;
      throw new VigilError('DAEMON_NOT_RUNNING', `cannot reach the Vigil daemon at ${this.baseUrl}`);
    }
    if (!res.ok || !res.body) {
      const text = await res.text();
      let msg = `HTTP ${res.status}`;
      let code = `HTTP_${res.status}`;
      try {
        const e = (JSON.parse(text) as { error: { code: string; message: string } }).error;
        msg = e.message;
        code = e.code;
      } catch {
        // not JSON
      }
      throw new VigilError(code, msg);
    }
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (data.length) yield { event, data: data.join('\n') };
        }
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
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
  shutdown(leaveRunning: boolean): Promise<{ pid: number }> {
    return this.request('POST', '/api/v1/shutdown', { leave_running: leaveRunning });
  }
}
