import { request } from 'node:http';
import { createApp } from '../../src/api/app.js';
import { SessionStore } from '../../src/api/session.js';
import type { Daemon } from '../../src/daemon/daemon.js';
import { waitFor, type TestDaemon } from './daemon.js';

/** Every route the app registers (method, path template), read from the app itself so none is missed. */
export function registeredRoutes(): { method: string; path: string }[] {
  // Handlers are never called: the stub only needs what createApp reads while registering.
  const stub = { sessions: new SessionStore(), allowedHosts: [] } as unknown as Daemon;
  const seen = new Set<string>();
  const out: { method: string; path: string }[] = [];
  for (const r of createApp(stub, () => 0).routes) {
    if (r.method === 'ALL' || r.path === '/*' || r.path === '*') continue;
    const key = `${r.method} ${r.path}`;
    if (!seen.has(key)) out.push({ method: r.method, path: r.path });
    seen.add(key);
  }
  return out;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request (any Host, method or header, which fetch would refuse to send). */
export function raw(
  port: number,
  opts: {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    /** Resolve at the headers of an event stream instead of waiting for its (never coming) end. */
    headersOnly?: boolean;
  },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path ?? '/',
        headers: { host: `127.0.0.1:${port}`, ...opts.headers },
        setHost: false,
      },
      (res) => {
        if (opts.headersOnly && String(res.headers['content-type']).startsWith('text/event-stream')) {
          res.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
          return;
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** The login URL `vigil up` printed (waits for the line). */
export async function printedLoginUrl(d: TestDaemon): Promise<string> {
  return waitFor('the printed login URL', () => {
    const m = /Dashboard: (http:\/\/\S+\/login\?code=\S+)/.exec(d.output());
    return m ? m[1]! : null;
  });
}

/** Exchanges a login URL for the session cookie (`name=value`). */
export async function loginCookie(port: number, url: string): Promise<string> {
  const u = new URL(url);
  const r = await raw(port, { path: u.pathname + u.search });
  if (r.status !== 303) throw new Error(`login answered ${r.status}: ${r.body.slice(0, 200)}`);
  const set = String(r.headers['set-cookie'] ?? '');
  return set.split(';')[0]!;
}

/** A fresh login URL minted with the token (what `vigil dashboard` prints). */
export async function freshLoginUrl(d: TestDaemon): Promise<string> {
  const r = await d.client.loginCode();
  return r.url;
}
