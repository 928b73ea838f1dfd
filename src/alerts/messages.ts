import { basename } from 'node:path';
import { formatBytes, formatDuration } from '../format.js';

/** 0.7234 → "72%". */
export function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/** Two significant digits: 41.3 → "41", 1234 → "1200", 0.42 → "0.42". */
export function roughly(x: number): string {
  return String(Number(x.toPrecision(2)));
}

/** A top target as a person names it: "/srv/app/logs.db (+ -wal, -shm)" → "logs.db". */
export function targetName(target: string): string {
  const bare = target.replace(/ \(\+[^)]*\)$/, '');
  return bare.startsWith('/') ? basename(bare) : bare;
}

/** "14:10" today, or "Wed 25 Nov 14:10" when further than 20 hours away. */
export function clockTime(ms: number, now: number, timeZone?: string): string {
  const far = ms - now > 20 * 3600_000;
  const fmt = new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    ...(far ? { weekday: 'short', day: 'numeric', month: 'short' } : {}),
    ...(timeZone ? { timeZone } : {}),
  });
  return fmt.format(new Date(ms)).replace(',', '');
}

/** How a limit or an amount of a resource reads: descriptors as a number, memory in binary units. */
export function amount(kind: 'fds' | 'rss', n: number): string {
  return kind === 'fds' ? String(Math.round(n)) : formatBytes(n);
}

export interface LeakWords {
  service: string;
  kind: 'fds' | 'rss';
  slope_per_hour: number | null;
  eta_ms: number | null;
  limit: number | null;
  top?: { target: string; count: number } | undefined;
  now: number;
  timeZone?: string | undefined;
}

/** "orders-api is leaking ~40 descriptors an hour — logs.db is open 412 times — it will hit its limit of 1024 around 14:10 (in 2h5m)". */
export function leakMessage(w: LeakWords): string {
  const rate =
    w.slope_per_hour === null
      ? ''
      : w.kind === 'fds'
        ? ` ~${roughly(w.slope_per_hour)} descriptors an hour`
        : ` ~${formatBytes(w.slope_per_hour)} of memory an hour`;
  const parts = [`${w.service} is leaking${rate || (w.kind === 'fds' ? ' descriptors' : ' memory')}`];
  if (w.top) parts.push(`${targetName(w.top.target)} is open ${w.top.count} times`);
  if (w.eta_ms !== null) {
    const limit = w.limit !== null ? ` of ${amount(w.kind, w.limit)}` : '';
    const inS = Math.max(0, (w.eta_ms - w.now) / 1000);
    parts.push(
      `it will hit its limit${limit} around ${clockTime(w.eta_ms, w.now, w.timeZone)} (in ${formatDuration(inS)})`,
    );
  }
  return parts.join(' — ');
}
