/** Plain-words formatting of amounts and durations for verdict reasons (the leak module has no CLI deps). */

import { formatBytes } from '../format.js';
import type { LeakKind } from './verdict.js';

/** An amount of the metric: "41" for descriptors, "30.0 MiB" for memory. */
export function formatAmount(kind: LeakKind, v: number): string {
  if (kind === 'fds') {
    const a = Math.abs(v);
    return a >= 10 || a === 0 ? String(Math.round(v)) : v.toFixed(1);
  }
  return formatBytes(v);
}

/** A growth rate: "+41/h", "+30.0 MiB/h". */
export function formatRate(kind: LeakKind, perHour: number): string {
  return `${perHour >= 0 ? '+' : '-'}${formatAmount(kind, Math.abs(perHour))}/h`;
}

/** 11520 → "3h12m", 90 → "1m30s", 200000 → "2d7h". */
export function formatSpan(seconds: number): string {
  let s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return m > 0 ? `${h}h${m}m` : `${h}h`;
  if (m > 0) return s > 0 && m < 10 ? `${m}m${s}s` : `${m}m`;
  return `${s}s`;
}
