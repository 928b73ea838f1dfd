import type { LeakView } from '../types';
import { duration, slope } from '../format';

const STATUS_ICON: Record<string, string> = {
  running: '●',
  starting: '◐',
  stopping: '◑',
  stopped: '○',
  backoff: '↻',
  'crash-loop': '✖',
  failed: '✖',
  scheduled: '◷',
};

/** A service's status: icon and word, coloured (the word carries the meaning, not the colour). */
export function Status({ status }: { status: string }) {
  return (
    <span class={`badge status-${status}`}>
      <span aria-hidden="true">{STATUS_ICON[status] ?? '?'}</span> {status}
    </span>
  );
}

/** A leak verdict with its ETA to exhaustion. */
export function Leak({ leak, what }: { leak: LeakView | null | undefined; what: string }) {
  if (!leak) return <span class="muted">no verdict yet</span>;
  const icon = leak.verdict === 'leak' ? '⚠' : leak.verdict === 'growing' ? '↗' : '✓';
  const title = leak.reason ?? `${what}: ${leak.verdict}, ${slope(leak.slope_per_hour)}`;
  return (
    <span class={`badge leak-${leak.verdict}`} title={title} data-testid={`leak-${what}`}>
      <span aria-hidden="true">{icon}</span> {leak.verdict}
      {leak.eta_s !== null && leak.eta_s !== undefined ? ` — full in ${duration(leak.eta_s)}` : ''}
    </span>
  );
}

/** A bar of used against limit, with the figures as text ("412 / 1024"). */
export function Meter({
  value,
  limit,
  label,
  format = (n: number) => String(n),
}: {
  value: number | null | undefined;
  limit: number | null | undefined;
  label: string;
  format?: (n: number) => string;
}) {
  if (value === null || value === undefined) return <span class="muted">not sampled yet</span>;
  const ratio = limit ? Math.min(1, value / limit) : 0;
  const level = ratio >= 0.9 ? 'high' : ratio >= 0.7 ? 'mid' : 'low';
  const text = limit ? `${format(value)} / ${format(limit)}` : format(value);
  return (
    <span class="meter-wrap">
      {limit ? (
        <meter
          class={`meter meter-${level}`}
          min={0}
          max={limit}
          low={limit * 0.7}
          high={limit * 0.9}
          optimum={0}
          value={value}
          aria-label={`${label}: ${text}`}
        />
      ) : null}
      <span class="meter-text">
        {text}
        {level === 'high' ? <span class="warn-word"> (near limit)</span> : null}
      </span>
    </span>
  );
}
