import { readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';

/** Where `npm run build:web` writes the dashboard (from dist/src/api/ back to the package root). */
export const WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** Headers every dashboard page carries: no framing (clickjacking), no sniffing, no leaking URLs. */
export const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on form POSTs (log out).
  'referrer-policy': 'same-origin',
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Vigil</title>
<h1>The Vigil dashboard is not built</h1>
<p>The daemon and its API run, but <code>web/dist</code> is missing. Build it with
<code>npm run build:web</code> (or <code>npm run build</code>) in the Vigil package, then reload.</p>`;

function file(path: string): Buffer | null {
  try {
    if (!statSync(path).isFile()) return null;
    return readFileSync(path);
  } catch {
    return null;
  }
}

/**
 * Serves the built dashboard: hashed files under /assets/ are cached for a year, everything else
 * (client routes) gets index.html, revalidated on every load so a rebuilt dashboard shows at once.
 */
export function serveStatic(c: Context, root = WEB_DIST): Response {
  for (const [k, v] of Object.entries(PAGE_HEADERS)) c.header(k, v);
  const path = decodeURIComponentSafe(c.req.path);
  if (path !== null && path.startsWith('/assets/')) {
    const full = normalize(join(root, path));
    if (!full.startsWith(root.endsWith(sep) ? root : root + sep)) return c.text('not found', 404);
    const body = file(full);
    if (!body) return c.text('not found', 404);
    c.header('content-type', TYPES[extname(full)] ?? 'application/octet-stream');
    c.header('cache-control', 'public, max-age=31536000, immutable');
    return c.body(new Uint8Array(body), 200);
  }
  if (path !== null && /^\/[\w.-]+\.(svg|png|ico)$/.test(path)) {
    const body = file(join(root, path));
    if (body) {
      c.header('content-type', TYPES[extname(path)]!);
      c.header('cache-control', 'public, max-age=3600');
      return c.body(new Uint8Array(body), 200);
    }
  }
  const index = file(join(root, 'index.html'));
  c.header('cache-control', 'no-cache');
  if (!index) return c.html(NOT_BUILT, 503);
  return c.body(new Uint8Array(index), 200, { 'content-type': TYPES['.html']! });
}

function decodeURIComponentSafe(s: string): string | null {
  try {
    const d = decodeURIComponent(s);
    return d.includes('\0') ? null : d;
  } catch {
    return null;
  }
}
