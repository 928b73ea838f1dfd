import { createHash, timingSafeEqual } from 'node:crypto';

/** Compares a presented token with the real one in constant time (hashing first equalises lengths). */
export function tokenMatches(presented: string | undefined | null, token: string): boolean {
  if (!presented) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** The bearer token of an Authorization header, if any. */
export function bearer(header: string | undefined | null): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

/**
 * Host names a request may carry: loopback names with the daemon's port, plus names configured for
 * tunnels. Checking Host defeats DNS rebinding: a foreign page's requests carry its own host name.
 */
export function allowedHosts(port: number, extra: string[] = []): Set<string> {
  const names = ['localhost', '127.0.0.1', '[::1]', ...extra];
  const out = new Set<string>();
  for (const n of names) {
    out.add(`${n}:${port}`.toLowerCase());
    if (extra.includes(n)) out.add(n.toLowerCase());
  }
  return out;
}

/** True when an Origin header (if any) names one of the allowed hosts over http(s). */
export function originAllowed(origin: string | undefined, hosts: Set<string>): boolean {
  if (origin === undefined) return true;
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && hosts.has(u.host.toLowerCase());
  } catch {
    return false;
  }
}
