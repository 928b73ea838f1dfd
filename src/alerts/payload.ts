import type { Alert, Transition } from './types.js';

/** One thing to tell a webhook: an alert transition, or a free text (e.g. a test message). */
export interface Notification {
  text: string;
  type?: Transition['type'];
  alert?: Alert;
}

/** The JSON body POSTed to a webhook: Slack reads `text`; other receivers use the structured fields. */
export interface WebhookBody {
  text: string;
  source: 'vigil';
  /** Notifications in this message (more than one when the rate limit folded several together). */
  count: number;
  /** Of them, how many were folded in because they arrived within `min_interval` of the previous message. */
  folded: number;
  /** Older notifications dropped since the last message because the queue was full. */
  dropped: number;
  alerts: (Alert & { transition: Transition['type'] })[];
}

const MAX_LINES = 20;

/** One line of plain text for an alert transition. */
export function transitionText(t: Transition): string {
  const a = t.alert;
  const about = a.service === null ? a.kind : `${a.kind} of ${a.service}`;
  switch (t.type) {
    case 'opened':
      return `[${a.severity}] ${a.message}`;
    case 'escalated':
      return `[${a.severity}, escalated] ${a.message}`;
    case 'resolved': {
      const why = typeof a.data.resolved_because === 'string' ? `: ${a.data.resolved_because}` : '';
      return `[resolved] ${about}${why}`;
    }
    case 'acked':
      return `[acknowledged] ${about} (#${a.id})`;
  }
}

/** Turns an alert transition into a notification. */
export function fromTransition(t: Transition): Notification {
  return { text: transitionText(t), type: t.type, alert: t.alert };
}

/** Builds the body of one message out of everything queued for a webhook since its last message. */
export function buildBody(items: Notification[], dropped: number): WebhookBody {
  const lines = items.slice(0, MAX_LINES).map((n) => n.text);
  if (items.length > MAX_LINES) lines.push(`… and ${items.length - MAX_LINES} more (see \`vigil alerts\`)`);
  if (dropped > 0)
    lines.push(`(${dropped} older notifications were dropped while this webhook was unreachable)`);
  const text =
    items.length > 1 ? `Vigil: ${items.length} alerts\n${lines.join('\n')}` : `Vigil ${lines.join('\n')}`;
  return {
    text,
    source: 'vigil',
    count: items.length,
    folded: Math.max(0, items.length - 1),
    dropped,
    alerts: items.flatMap((n) => (n.alert && n.type ? [{ ...n.alert, transition: n.type }] : [])),
  };
}
