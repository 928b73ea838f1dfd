import { EventEmitter } from 'node:events';
import { errorMessage } from '../errors.js';
import { buildBody, fromTransition, type Notification } from './payload.js';
import type { Transition } from './types.js';

/** A webhook as configured (`alerts.webhooks` of a service, `daemon.webhooks`); durations in ms. */
export interface WebhookTarget {
  url: string;
  timeout: number;
  retries: number;
  min_interval: number;
}

/** Delivery counters of one webhook URL. */
export interface WebhookStats {
  /** Messages delivered (2xx). */
  sent: number;
  /** Messages given up after every retry failed. */
  failed: number;
  /** Notifications dropped unsent because the queue was full (the webhook was slow or dead). */
  dropped: number;
  /** Notifications folded into another message by the rate limit. */
  folded: number;
  /** Notifications waiting now. */
  queued: number;
  last_error: string | null;
  last_error_at: number | null;
  last_sent_at: number | null;
}

export interface NotifierOptions {
  /** Most notifications waiting per webhook; beyond it the oldest are dropped. Default 100. */
  maxQueue?: number;
  /** Delay before the first retry; it doubles after each failed attempt (default 1 s, at most retryMaxMs). */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** The 'error' event of the notifier: a message was given up. */
export interface WebhookFailure {
  url: string;
  error: string;
  attempts: number;
  count: number;
}

interface Channel {
  target: WebhookTarget;
  queue: Notification[];
  droppedPending: number;
  inFlight: boolean;
  timer: NodeJS.Timeout | null;
  lastSendAt: number | null;
  stats: WebhookStats;
}

/** "https://hooks.slack.com/services/T000/B000/XXXX" → "https://hooks.slack.com/services/…": webhook URLs often carry a secret. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const first = u.pathname.split('/').filter(Boolean)[0];
    return `${u.protocol}//${u.host}${first ? `/${first}/…` : '/'}`;
  } catch {
    return '(invalid url)';
  }
}

function describe(err: unknown, timeout: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no answer within ${timeout} ms`;
  }
  const cause = err instanceof Error ? (err as Error & { cause?: unknown }).cause : undefined;
  // fetch says only "fetch failed"; the cause says what: ECONNREFUSED, ENOTFOUND, "bad port", …
  const why =
    cause && typeof cause === 'object' && 'code' in cause
      ? String(cause.code)
      : cause instanceof Error
        ? cause.message
        : null;
  return why ? `${errorMessage(err)} (${why})` : errorMessage(err);
}

/**
 * Sends notifications to webhooks in the background. `notify` only queues and returns: it never
 * blocks, never throws and never waits for the network. Per webhook: one message at a time, at most one
 * per `min_interval` (what arrives meanwhile is folded into the next message), `timeout` per attempt,
 * `retries` further attempts with doubling delays, a bounded queue (oldest dropped and counted).
 * Failures show in `stats()` and as 'error' events (only emitted when someone listens).
 */
export class WebhookNotifier extends EventEmitter {
  private readonly channels = new Map<string, Channel>();
  private readonly abort = new AbortController();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly maxQueue: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;

  constructor(opts: NotifierOptions = {}) {
    super();
    this.maxQueue = Math.max(1, opts.maxQueue ?? 100);
    this.retryBaseMs = opts.retryBaseMs ?? 1000;
    this.retryMaxMs = opts.retryMaxMs ?? 60_000;
  }

  /** Queues a notification (or an alert transition) for each webhook, once per URL. Returns at once. */
  notify(webhooks: readonly WebhookTarget[], payload: Notification | Transition): void {
    try {
      if (this.abort.signal.aborted) return;
      const item = 'text' in payload ? payload : fromTransition(payload);
      const seen = new Set<string>();
      for (const target of webhooks) {
        if (seen.has(target.url)) continue;
        seen.add(target.url);
        const ch = this.channel(target);
        ch.queue.push(item);
        while (ch.queue.length > this.maxQueue) {
          ch.queue.shift();
          ch.droppedPending += 1;
          ch.stats.dropped += 1;
        }
        // The network work starts on a later turn of the event loop, never inside the caller.
        if (!ch.inFlight && !ch.timer) setImmediate(() => this.pump(ch));
      }
    } catch (err) {
      this.fail('(notify)', errorMessage(err), 0, 0);
    }
  }

  /** Delivery counters per webhook URL (URLs as configured: redact them with `redactUrl` before showing). */
  stats(): Record<string, WebhookStats> {
    const out: Record<string, WebhookStats> = {};
    for (const [url, ch] of this.channels) out[url] = { ...ch.stats, queued: ch.queue.length };
    return out;
  }

  /** Resolves when nothing is queued, waiting or in flight (for shutdown and tests). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops everything: pending retries and timers are cancelled, queued notifications discarded. */
  close(): void {
    this.abort.abort();
    for (const ch of this.channels.values()) {
      if (ch.timer) clearTimeout(ch.timer);
      ch.timer = null;
      ch.queue = [];
    }
    this.checkIdle();
  }

  private channel(target: WebhookTarget): Channel {
    let ch = this.channels.get(target.url);
    if (!ch) {
      ch = {
        target,
        queue: [],
        droppedPending: 0,
        inFlight: false,
        timer: null,
        lastSendAt: null,
        stats: {
          sent: 0,
          failed: 0,
          dropped: 0,
          folded: 0,
          queued: 0,
          last_error: null,
          last_error_at: null,
          last_sent_at: null,
        },
      };
      this.channels.set(target.url, ch);
    }
    ch.target = target; // the latest configuration wins
    return ch;
  }

  private isIdle(): boolean {
    for (const ch of this.channels.values()) if (ch.inFlight || ch.timer || ch.queue.length > 0) return false;
    return true;
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private pump(ch: Channel): void {
    if (ch.inFlight || ch.timer || ch.queue.length === 0 || this.abort.signal.aborted)
      return this.checkIdle();
    const now = Date.now();
    const wait = ch.lastSendAt === null ? 0 : ch.lastSendAt + ch.target.min_interval - now;
    if (wait > 0) {
      ch.timer = setTimeout(() => {
        ch.timer = null;
        this.pump(ch);
      }, wait);
      ch.timer.unref();
      return;
    }
    const items = ch.queue.splice(0);
    const dropped = ch.droppedPending;
    ch.droppedPending = 0;
    ch.stats.folded += items.length - 1;
    ch.inFlight = true;
    ch.lastSendAt = now;
    void this.deliver(ch, items.length, JSON.stringify(buildBody(items, dropped))).finally(() => {
      ch.inFlight = false;
      this.pump(ch);
    });
  }

  private async deliver(ch: Channel, count: number, body: string): Promise<void> {
    const { url, timeout, retries } = ch.target;
    let error = '';
    let attempt = 0;
    for (; attempt <= retries; attempt++) {
      if (attempt > 0) {
        const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (attempt - 1));
        if (!(await this.sleep(delay))) break;
      }
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'vigil' },
          body,
          signal: AbortSignal.any([AbortSignal.timeout(timeout), this.abort.signal]),
        });
        await res.body?.cancel().catch(() => undefined);
        if (res.ok) {
          ch.stats.sent += 1;
          ch.stats.last_sent_at = Date.now();
          return;
        }
        error = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
      } catch (err) {
        error = this.abort.signal.aborted ? 'notifier closed' : describe(err, timeout);
      }
    }
    ch.stats.failed += 1;
    ch.stats.last_error = error;
    ch.stats.last_error_at = Date.now();
    this.fail(url, error, Math.min(attempt, retries + 1), count);
  }

  private fail(url: string, error: string, attempts: number, count: number): void {
    if (this.listenerCount('error') === 0) return; // an unheard 'error' would throw
    const e: WebhookFailure = { url, error, attempts, count };
    try {
      this.emit('error', e);
    } catch {
      // a listener that throws must not break delivery
    }
  }

  /** Waits ms; false when the notifier was closed meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      t.unref();
      const onAbort = (): void => {
        clearTimeout(t);
        resolve(false);
      };
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
