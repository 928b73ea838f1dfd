/** Replays a synthetic series through a detector and summarises what it said (for the leak tests). */
import { LeakDetector } from '../../../src/leak/detector.js';
import type { LeakKind, VerdictKind } from '../../../src/leak/verdict.js';
import { samples, type Series } from './synthetic.js';

export interface Outcome {
  /** First sample time whose verdict was `leak` (relative to the first sample), or null. */
  firstAlarm: number | null;
  /** ETA predicted then (relative to the first sample). */
  etaAtAlarm: number | null;
  /** Time of the last sample (relative): exhaustion for a leak that ran to the limit. */
  end: number;
  exhausted: boolean;
  final: VerdictKind;
  reason: string;
}

export function run(s: Series, kind: LeakKind = 'fds', transientSeconds?: number): Outcome {
  const d = new LeakDetector({ kind, transientSeconds });
  let t0 = NaN;
  let out: Outcome = {
    firstAlarm: null,
    etaAtAlarm: null,
    end: 0,
    exhausted: false,
    final: 'ok',
    reason: '',
  };
  for (const [t, v, limit] of samples(s)) {
    if (Number.isNaN(t0)) t0 = t;
    const r = d.push(t, v, limit);
    out.end = t - t0;
    out.final = r.verdict;
    out.reason = r.reason;
    out.exhausted = v >= limit;
    if (r.verdict === 'leak' && out.firstAlarm === null) {
      out = { ...out, firstAlarm: t - t0, etaAtAlarm: r.eta_t === null ? null : r.eta_t - t0 };
    }
  }
  return out;
}

/** Share of the leak's life left at the alarm (1 = at once), as ../shared/traces/score.py counts it. */
export function lead(o: Outcome, leakStart = 0): number {
  return o.firstAlarm === null ? 0 : (o.end - o.firstAlarm) / (o.end - leakStart);
}

/** ETA error relative to the time left at the alarm, capped at 1, as score.py counts it. */
export function etaError(o: Outcome): number {
  if (o.firstAlarm === null || o.etaAtAlarm === null) return 1;
  return Math.min(1, Math.abs(o.etaAtAlarm - o.end) / (o.end - o.firstAlarm));
}
