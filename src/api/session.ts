import { createHash, randomBytes } from 'node:crypto';

/** How long a login code printed by `vigil up` stays valid. */
export const CODE_TTL_MS = 10 * 60_000;
/** How long a dashboard session lasts (absolute, not sliding: a stolen cookie dies on its own). */
export const SESSION_TTL_MS = 12 * 60 * 60_000;
/** Failed logins allowed before each further attempt has to wait. */
export const FREE_FAILURES = 5;
/** Longest wait imposed after failed logins. */
export const MAX_BACKOFF_MS = 60_000;

/** Name of the session cookie of the daemon on `port` (cookies are not port-scoped, so the port is in it). */
export function cookieName(port: number): string {
  return `vigil_session_${port}`;
}

/** The value of cookie `name` in a Cookie header, if present. */
export function readCookie(header: string | undefined | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export type LoginResult =
  | { ok: true; session: string; expiresAt: number }
  | { ok: false; reason: 'invalid' | 'throttled'; retryAfterMs: number };

// Secrets are kept hashed: a heap dump or a log of the map shows nothing usable.
const digest = (s: string) => createHash('sha256').update(s).digest('base64url');
const SECRET = /^[A-Za-z0-9_-]{20,100}$/;

/**
 * One-time login codes and the sessions they are exchanged for. Everything lives in memory: a daemon
 * restart logs every browser out (by design — nothing to steal from disk).
 */
export class SessionStore {
  private readonly codes = new Map<string, number>();
  private readonly sessions = new Map<string, number>();
  private failures = 0;
  private blockedUntil = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A fresh single-use login code, valid for CODE_TTL_MS. */
  mintCode(): string {
    this.sweep();
    const code = randomBytes(24).toString('base64url');
    this.codes.set(digest(code), this.now() + CODE_TTL_MS);
    return code;
  }

  /**
   * Exchanges a login code for a session. A code works once. After FREE_FAILURES failures every attempt
   * (right or wrong) within the back-off window is refused as throttled, and the window doubles.
   */
  login(code: string | undefined | null): LoginResult {
    const t = this.now();
    if (t < this.blockedUntil) return { ok: false, reason: 'throttled', retryAfterMs: this.blockedUntil - t };
    this.sweep();
    const key = code && SECRET.test(code) ? digest(code) : null;
    const expires = key ? this.codes.get(key) : undefined;
    if (key === null || expires === undefined || expires <= t) {
      if (key) this.codes.delete(key);
      this.failures++;
      const over = this.failures - FREE_FAILURES;
      if (over >= 0) this.blockedUntil = t + Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(over, 16));
      return { ok: false, reason: 'invalid', retryAfterMs: Math.max(0, this.blockedUntil - t) };
    }
    this.codes.delete(key);
    this.failures = 0;
    this.blockedUntil = 0;
    const session = randomBytes(32).toString('base64url');
    const expiresAt = t + SESSION_TTL_MS;
    this.sessions.set(digest(session), expiresAt);
    return { ok: true, session, expiresAt };
  }

  /** True when `session` is a live session id. */
  valid(session: string | null | undefined): boolean {
    if (!session || !SECRET.test(session)) return false;
    const key = digest(session);
    const exp = this.sessions.get(key);
    if (exp === undefined) return false;
    if (exp <= this.now()) {
      this.sessions.delete(key);
      return false;
    }
    return true;
  }

  /** Ends a session (logout). */
  revoke(session: string | null | undefined): void {
    if (session && SECRET.test(session)) this.sessions.delete(digest(session));
  }

  /** Counts, for tests and `/api/v1/daemon`-style introspection. */
  stats(): { codes: number; sessions: number; failures: number } {
    this.sweep();
    return { codes: this.codes.size, sessions: this.sessions.size, failures: this.failures };
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, exp] of this.codes) if (exp <= t) this.codes.delete(k);
    for (const [k, exp] of this.sessions) if (exp <= t) this.sessions.delete(k);
  }
}

/** The dashboard URL with a login code, as `vigil up` prints it. */
export function loginUrl(host: string, port: number, code: string): string {
  return `http://${host}:${port}/login?code=${encodeURIComponent(code)}`;
}
