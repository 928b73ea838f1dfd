/** What the detector says about one metric of one service. */

/** Which resource a detector watches: descriptor counts, or resident memory in bytes. */
export type LeakKind = 'fds' | 'rss';

/** `growing`: rising, but not (yet) shown to be a leak; `leak`: steady growth that will reach the limit. */
export type VerdictKind = 'ok' | 'growing' | 'leak';

export interface Verdict {
  verdict: VerdictKind;
  /** Growth of the lower envelope, in units (descriptors or bytes) per hour; null until enough history. */
  slope_per_hour: number | null;
  /** Predicted time the limit is reached (absolute, seconds, same clock as the samples); leak only. */
  eta_t: number | null;
  /** Earliest and latest plausible exhaustion times (about a 90% range of the growth rate). */
  eta_low_t: number | null;
  eta_high_t: number | null;
  /** The verdict in plain words, e.g. "+41/h for 3h12m, steady; limit 1024 in ~6h". */
  reason: string;
}
