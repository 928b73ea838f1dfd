import { LeakDetector, type LeakDetectorOptions } from './detector.js';
import type { TraceRow } from './trace-csv.js';
import type { Verdict } from './verdict.js';

/** Outcome of replaying one metric of a trace, sample by sample, as the live daemon would. */
export interface ReplayResult {
  /** Verdict after the last sample. */
  final: Verdict;
  /** Time of the first sample whose verdict was `leak`; null if never. */
  first_alarm_t: number | null;
  /** Exhaustion time predicted at that first alarm. */
  eta_t_at_alarm: number | null;
}

/** Replays both metrics of a trace through fresh detectors (fds, rss). */
export function replayTrace(
  rows: readonly TraceRow[],
  opts: Omit<LeakDetectorOptions, 'kind'> = {},
): { fds: ReplayResult; rss: ReplayResult } {
  const fds = new LeakDetector({ ...opts, kind: 'fds' });
  const rss = new LeakDetector({ ...opts, kind: 'rss' });
  const res = {
    fds: { final: fds.snapshot(), first_alarm_t: null, eta_t_at_alarm: null } as ReplayResult,
    rss: { final: rss.snapshot(), first_alarm_t: null, eta_t_at_alarm: null } as ReplayResult,
  };
  for (const r of rows) {
    note(res.fds, r.t, fds.push(r.t, r.fds, r.fd_limit));
    note(res.rss, r.t, rss.push(r.t, r.rss_bytes, r.mem_limit_bytes));
  }
  return res;
}

function note(res: ReplayResult, t: number, v: Verdict): void {
  res.final = v;
  if (v.verdict === 'leak' && res.first_alarm_t === null) {
    res.first_alarm_t = t;
    res.eta_t_at_alarm = v.eta_t;
  }
}
