import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { HealthConfig } from '../config/schema.js';
import { splitHostPort } from '../config/schema.js';

export interface HealthResult {
  ok: boolean;
  /** Plain words: "HTTP 503", "connect ECONNREFUSED", "timed out after 2000 ms", "exit 1". */
  detail: string;
}

/** Runs one health check (HTTP 2xx/3xx, TCP connect, or a command exiting 0) within its timeout. */
export function checkOnce(
  cfg: HealthConfig,
  ctx: { cwd: string; env: Record<string, string> },
): Promise<HealthResult> {
  const timeout = cfg.timeout;
  if (cfg.http) {
    return fetch(cfg.http, { signal: AbortSignal.timeout(timeout), redirect: 'manual' }).then(
      async (r) => {
        await r.body?.cancel().catch(() => undefined);
        return { ok: r.status >= 200 && r.status < 400, detail: `HTTP ${r.status}` };
      },
      (err: Error) => ({
        ok: false,
        detail:
          err.name === 'TimeoutError'
            ? `timed out after ${timeout} ms`
            : ((err.cause as Error | undefined)?.message ?? err.message),
      }),
    );
  }
  if (cfg.tcp) {
    const hp = splitHostPort(cfg.tcp)!;
    return new Promise((resolve) => {
      const sock = connect({ host: hp.host, port: hp.port });
      const done = (r: HealthResult) => {
        clearTimeout(t);
        sock.destroy();
        resolve(r);
      };
      const t = setTimeout(() => done({ ok: false, detail: `timed out after ${timeout} ms` }), timeout);
      sock.once('connect', () => done({ ok: true, detail: 'connected' }));
      sock.once('error', (err) => done({ ok: false, detail: `connect: ${err.message}` }));
    });
  }
  const argv = cfg.command!;
  return new Promise((resolve) => {
    let settled = false;
    const child = spawn(argv[0]!, argv.slice(1), { cwd: ctx.cwd, env: ctx.env, stdio: 'ignore' });
    const done = (r: HealthResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(t);
      resolve(r);
    };
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      done({ ok: false, detail: `timed out after ${timeout} ms` });
    }, timeout);
    child.once('error', (err) => done({ ok: false, detail: err.message }));
    child.once('exit', (code, signal) =>
      done({ ok: code === 0, detail: signal ? `killed by ${signal}` : `exit ${code}` }),
    );
  });
}

/**
 * Checks a running service every `interval`. Failures inside `start_period` do not count; after
 * `failures` consecutive failures, `onUnhealthy` is called once (the service restarts it, reason `health`).
 */
export class HealthMonitor {
  private timer: NodeJS.Timeout | null = null;
  private consecutive = 0;
  private stopped = false;
  passedOnce = false;
  last: (HealthResult & { at: number }) | null = null;

  constructor(
    private readonly cfg: HealthConfig,
    private readonly ctx: { cwd: string; env: Record<string, string> },
    private readonly startedAt: number,
    private readonly on: { pass: () => void; unhealthy: (detail: string, failures: number) => void },
  ) {
    this.schedule(Math.min(cfg.interval, 1000));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = null;
    const r = await checkOnce(this.cfg, this.ctx);
    if (this.stopped) return;
    this.last = { ...r, at: Date.now() };
    if (r.ok) {
      this.consecutive = 0;
      if (!this.passedOnce) {
        this.passedOnce = true;
        this.on.pass();
      }
    } else if (Date.now() - this.startedAt >= this.cfg.start_period || this.passedOnce) {
      this.consecutive += 1;
      if (this.consecutive >= this.cfg.failures) {
        this.stop();
        this.on.unhealthy(r.detail, this.consecutive);
        return;
      }
    }
    this.schedule(this.cfg.interval);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
