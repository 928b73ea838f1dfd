import { readdirSync } from 'node:fs';
import {
  AlertEngine,
  SqliteAlertStore,
  WebhookNotifier,
  redactUrl,
  type Transition,
} from '../alerts/index.js';
import type { Webhook } from '../config/schema.js';
import type { EventRow } from '../store/store.js';
import type { Daemon } from './daemon.js';
import { ownNofile } from './limits.js';

/**
 * Wires the alert engine to the daemon: events, samples and verdicts in; alert events, webhooks and leak
 * restarts out. Nothing here blocks: webhooks are queued by the notifier.
 */
export class Alerting {
  readonly engine: AlertEngine;
  readonly notifier = new WebhookNotifier();
  /** Global webhooks (`daemon.webhooks` of the applied file). */
  webhooks: Webhook[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly daemon: Daemon) {
    this.engine = new AlertEngine({ store: new SqliteAlertStore(daemon.db) });
    this.notifier.on('error', (e: { url: string; error: string; attempts: number }) =>
      daemon.log.warn(`webhook ${redactUrl(e.url)} failed after ${e.attempts} attempt(s): ${e.error}`),
    );
  }

  start(): void {
    const now = Date.now();
    for (const svc of this.daemon.supervisor.services.values()) {
      this.emit(this.engine.observeStatus(svc.name, svc.status, now, { reset_ms: svc.config.backoff.reset }));
    }
    this.timer = setInterval(() => this.tick(), 5000);
    this.timer.unref();
  }

  private tick(): void {
    const now = Date.now();
    this.emit(this.engine.tick(now));
    let fds: number | null = null;
    try {
      fds = readdirSync('/proc/self/fd').length;
    } catch {
      // not Linux
    }
    this.emit(this.engine.observeDaemon({ fds, fd_limit: ownNofile().soft }, now));
  }

  /** Records each transition as an event and sends it to the service's and the global webhooks. */
  emit(transitions: Transition[]): void {
    for (const t of transitions) {
      const a = t.alert;
      this.daemon.recordEvent({
        service: a.service ?? '',
        kind: `alert-${t.type}`,
        message: t.type === 'resolved' ? `resolved: ${a.message}` : a.message,
        data: { alert: a.id, kind: a.kind, severity: a.severity },
      });
      if (t.type === 'acked') continue;
      const svc = a.service ? this.daemon.supervisor.services.get(a.service) : undefined;
      const hooks = [...(svc?.config.alerts.webhooks ?? []), ...this.webhooks];
      if (hooks.length) this.notifier.notify(hooks, t);
    }
  }

  /** An event of the supervisor or the logs (not alert events themselves). */
  onEvent(row: EventRow): void {
    if (row.kind.startsWith('alert-')) return;
    if (row.kind === 'removed' && row.service) {
      this.daemon.monitor.forget(row.service);
      this.forget(row.service);
      return;
    }
    const data = row.data_json ? (JSON.parse(row.data_json) as Record<string, unknown>) : {};
    this.emit(this.engine.observeEvent(row.service || null, row.kind, data, row.t, row.message));
    if (row.kind === 'state' && row.service) {
      const svc = this.daemon.supervisor.services.get(row.service);
      if (svc)
        this.emit(
          this.engine.observeStatus(svc.name, svc.status, row.t, { reset_ms: svc.config.backoff.reset }),
        );
    }
  }

  /** After each sample: utilisation, leak verdicts, and the leak action (a graceful restart) if due. */
  onSample(name: string): void {
    const svc = this.daemon.supervisor.services.get(name);
    const w = this.daemon.monitor.watches.get(name);
    if (!svc || !w || w.pid !== svc.pid) return;
    const now = Date.now();
    const r = w.resources;
    const top = w.classified?.classified?.top_targets;
    this.emit(
      this.engine.observeSample(
        name,
        {
          fds: r.fds,
          fd_limit: r.fd_limit,
          rss_bytes: r.rss_bytes,
          mem_limit_bytes: r.mem_limit_bytes,
          top_targets: top,
        },
        svc.config.alerts,
        now,
      ),
    );
    this.emit(
      this.engine.observeVerdict(
        name,
        'fds',
        w.fdsVerdict,
        { limit: r.fd_limit ?? 0, top_targets: top },
        now,
      ),
    );
    this.emit(this.engine.observeVerdict(name, 'rss', w.rssVerdict, { limit: r.mem_limit_bytes ?? 0 }, now));
    const nowS = now / 1000;
    const eta = (t: number | null | undefined) =>
      t === null || t === undefined ? null : Math.max(0, t - nowS);
    const { decision, transitions } = this.engine.decideLeak(
      name,
      svc.config.leak,
      {
        fds_eta_s: w.fdsVerdict?.verdict === 'leak' ? eta(w.fdsVerdict.eta_t) : null,
        rss_eta_s: w.rssVerdict?.verdict === 'leak' ? eta(w.rssVerdict.eta_t) : null,
        fd_utilisation: r.fds !== null && r.fd_limit ? r.fds / r.fd_limit : null,
        fd_fail: svc.config.alerts.fds.fail,
      },
      now,
    );
    this.emit(transitions);
    if (decision.action === 'restart' && svc.status === 'running') {
      this.daemon.recordEvent({
        service: name,
        kind: 'leak-restart',
        message: `${name}: restarting gracefully before it runs out (${decision.reason})`,
        data: { reason: decision.reason },
      });
      void svc.restart(decision.reason).catch(() => undefined);
    }
  }

  forget(name: string): void {
    this.emit(this.engine.forget(name));
  }

  /** Stops the timer and gives queued webhooks up to 2 s. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.race([this.notifier.idle(), new Promise((r) => setTimeout(r, 2000))]);
    this.notifier.close();
  }

  /** Delivery statistics per webhook, keyed by the URL with its secret parts redacted. */
  webhookStats(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this.notifier.stats()).map(([url, st]) => [redactUrl(url), st]));
  }
}
