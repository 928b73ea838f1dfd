import type { Context, Hono } from 'hono';
import { cookieName, readCookie, SESSION_TTL_MS, type SessionStore } from './session.js';
import { PAGE_HEADERS, serveStatic } from './static.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** How a request proved who it is. */
export type Principal = 'token' | 'session' | null;

/** The session id a request's cookie carries for the daemon on `port`. */
export function sessionOf(c: Context, port: number): string | null {
  return readCookie(c.req.header('cookie'), cookieName(port));
}

/**
 * Cookie requests that change state must say where they come from: SameSite=Lax already keeps the
 * cookie off cross-site POSTs, and this refuses the rest (old browsers, sibling ports) unless the
 * browser vouches with an Origin (checked against the allowlist earlier) or Sec-Fetch-Site.
 */
export function csrfOk(c: Context): boolean {
  if (SAFE_METHODS.has(c.req.method)) return true;
  if (c.req.header('origin') !== undefined) return true;
  return c.req.header('sec-fetch-site') === 'same-origin';
}

function page(c: Context, status: 401 | 429, title: string, text: string): Response {
  for (const [k, v] of Object.entries(PAGE_HEADERS)) c.header(k, v);
  c.header('cache-control', 'no-store');
  return c.html(
    `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Vigil — ${title}</title><h1>${title}</h1><p>${text}</p>`,
    status,
  );
}

/** Registers /login, /logout and the dashboard's static files (the catch-all, so register it last). */
export function mountWeb(app: Hono, sessions: SessionStore, port: () => number): void {
  app.get('/login', (c) => {
    const code = c.req.query('code');
    const r = sessions.login(code);
    if (!r.ok) {
      if (sessions.valid(sessionOf(c, port()))) return c.redirect('/', 303);
      if (r.reason === 'throttled') {
        c.header('retry-after', String(Math.ceil(r.retryAfterMs / 1000)));
        return page(c, 429, 'Too many login attempts', 'Wait a little, then use a fresh link.');
      }
      return page(
        c,
        401,
        'This login link is not valid',
        'Login links work once and expire after 10 minutes. Run <code>vigil dashboard</code> for a fresh one.',
      );
    }
    // Behind a TLS-terminating proxy (its name in daemon.allowed_hosts) the cookie is HTTPS-only too.
    const secure = c.req.header('x-forwarded-proto') === 'https' ? '; Secure' : '';
    c.header(
      'set-cookie',
      `${cookieName(port())}=${r.session}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_TTL_MS / 1000}${secure}`,
    );
    c.header('cache-control', 'no-store');
    c.header('referrer-policy', 'no-referrer');
    return c.redirect('/', 303);
  });

  app.post('/logout', (c) => {
    if (!csrfOk(c)) return c.json({ error: { code: 'CSRF', message: 'missing Origin' } }, 403);
    sessions.revoke(sessionOf(c, port()));
    c.header('set-cookie', `${cookieName(port())}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
    return c.redirect('/', 303);
  });

  app.get('*', (c) => {
    const p = c.req.path;
    if (p === '/api' || p.startsWith('/api/') || p === '/health' || p === '/metrics') return c.notFound();
    return serveStatic(c);
  });
}
