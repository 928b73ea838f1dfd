import { BucketRing } from './bucket-ring.js';
import { formatAmount, formatRate, formatSpan } from './format.js';
import { medianInPlace, medianOf, sensSlope, theilSen } from './robust.js';
import type { LeakKind, Verdict, VerdictKind } from './verdict.js';

export interface LeakDetectorOptions {
  /** What the values are: descriptor counts (`fds`, the default) or bytes of memory (`rss`). */
  kind?: LeakKind;
  /**
   * Time scale of benign transients (warm-ups, ramps, a sawtooth's first rise), in seconds; default 90
   * minutes. Growth must have been watched for at least sqrt(transient × time to exhaustion) before it is
   * called a leak, so an urgent leak is called sooner than a slow one, and a short warm-up never lasts
   * long enough. At 30 minutes or less, windows of 1 to 15 minutes are added, for leaks that exhaust
   * the limit within minutes (the daemon passes the service's `leak.warmup`).
   */
  transientSeconds?: number;
}

const MIN = 60;
const HOUR = 3600;
const DAY = 86400;

/** Horizons watched (seconds) and the block length each is cut into (~10–24 blocks). */
const HORIZONS: ReadonlyArray<readonly [number, number]> = [
  // Shorter windows could only call a leak due within a minute or two at the default transient scale;
  // FAST_HORIZONS below exist for shorter ones.
  [20 * MIN, 2 * MIN],
  [30 * MIN, 2 * MIN],
  [45 * MIN, 2 * MIN],
  [HOUR, 3 * MIN],
  [1.5 * HOUR, 5 * MIN],
  [2 * HOUR, 5 * MIN],
  [3 * HOUR, 10 * MIN],
  [4 * HOUR, 10 * MIN],
  [6 * HOUR, 15 * MIN],
  [8 * HOUR, 30 * MIN],
  [12 * HOUR, 30 * MIN],
  [16 * HOUR, HOUR],
  [DAY, HOUR],
  [36 * HOUR, 2 * HOUR],
  [2 * DAY, 2 * HOUR],
  [3 * DAY, 3 * HOUR],
];
/**
 * Horizons for fast leaks (minutes to exhaustion), on 5-second buckets. They exist only when the
 * transient scale is at most twice the longest of them (30 minutes): only then can the evidence rule let
 * one call a leak with a useful lead (at most h²/transient before the limit). All of them exist
 * together, since the shorter ones also veto the longer (a levelling-off they see first). With the
 * default 90 minutes none exists, so the default behaviour and cost are those of the horizons above.
 */
const FAST_HORIZONS: ReadonlyArray<readonly [number, number]> = [
  [MIN, 5],
  [2 * MIN, 10],
  [3 * MIN, 15],
  [5 * MIN, 20],
  [10 * MIN, 30],
  [15 * MIN, 45],
];
const FAST_BUCKET_S = 5;
const MAX_BLOCKS = 24;
/** How far back "levels seen before" reaches: a week and a day, so weekly cycles are remembered. */
const MEMORY_S = 8 * DAY;

/** Share of concordant minus discordant block pairs needed: the lows must rise nearly every time. */
const TAU_LEAK = 0.6;
const TAU_GROWING = 0.4;
/** The rise over the horizon must stand this many noise widths above the residual noise. */
const RISE_NOISE_LEAK = 4;
const RISE_NOISE_GROWING = 2;
/** Each quarter of the horizon must carry at least this share of its expected rise (not one step). */
const QUARTER_SHARE = 0.2;
/** Below this ratio of recent to older slope, growth is treated as slowing towards a plateau. */
const SLOWING_RATIO = 0.9;
/** `growing` is said of growth that, kept up, would reach the limit within this long. */
const GROWING_WITHIN_S = 7 * DAY;
/** The default time scale of benign transients (the evidence rule's constant). */
const DEFAULT_TRANSIENT_S = 90 * MIN;
/**
 * A short transient scale speeds up calls only for leaks due within this many of the window's own
 * lengths: beyond that, the window needs the default evidence. Without it a short setting would let a
 * 36-minute window call a noise drift due in 7 hours, or a 4-hour one a drift due in days.
 */
const FAST_AHEAD = 8;
/** A latched leak is released after this long without any growth, or when usage falls back. */
const RELEASE_S = 12 * HOUR;

const SHARED = {
  bx: new Float64Array(MAX_BLOCKS),
  blo: new Float64Array(MAX_BLOCKS),
  bhi: new Float64Array(MAX_BLOCKS),
  scratch: new Float64Array((MAX_BLOCKS * (MAX_BLOCKS - 1)) / 2 + MAX_BLOCKS),
  resid: new Float64Array(MAX_BLOCKS),
};

type Why = 'flat' | 'inconsistent' | 'steps' | 'slowing' | 'seen' | 'early' | 'leak';

interface HorizonState {
  readonly h: number;
  readonly block: number;
  /** A fast horizon (on the 5-second ring). */
  readonly fast: boolean;
  /** Span actually watched at the last evaluation (shorter than h while the history is young). */
  span: number;
  readonly ring: BucketRing;
  /** End (exclusive, aligned to the block) of the last evaluation; -1 before the first. */
  end: number;
  valid: boolean;
  why: Why;
  slope: number;
  slopeLow: number;
  slopeHigh: number;
  eta: number;
  etaLow: number;
  etaHigh: number;
  /** Low at the start of the window, and at its end (fitted). */
  startLow: number;
  lowEnd: number;
  /** Highest excursion of the peaks above the fitted lows over the window. */
  band: number;
  /** Where a slowing curve is heading (peak level), when why = 'slowing'. */
  plateau: number;
}

/**
 * Streaming, causal leak detector for one metric of one service: `push(t, value, limit)` per sample.
 * Works on time-aligned buckets (so it does not depend on the sampling interval), keeps a bounded
 * summary (about 1 000 buckets, whatever the run time) and reasons on the lower envelope (the lows
 * after collection), over windows from 20 minutes to 3 days.
 */
export class LeakDetector {
  readonly kind: LeakKind;
  private readonly transient: number;
  private readonly rings: BucketRing[];
  private readonly memory: BucketRing;
  private readonly horizons: HorizonState[];
  // Work arrays of one evaluation, shared by every detector (evaluations are synchronous and never
  // interleave): per detector they would be 3 KiB of each service's memory for nothing.
  private readonly bx = SHARED.bx;
  private readonly blo = SHARED.blo;
  private readonly bhi = SHARED.bhi;
  private readonly scratch = SHARED.scratch;
  private readonly resid = SHARED.resid;
  private readonly pair: [number, number] = [0, 0];
  private firstT = NaN;
  private lastT = -Infinity;
  private lastValue = NaN;
  private limit = NaN;
  private alarmed = false;
  private alarmBaseLow = NaN;
  private alarmPeakLow = NaN;
  /** While the verdict is `leak`: a sample under this level means usage fell back. */
  private dropBelow = -Infinity;
  private readonly fine: BucketRing;
  /** 5-second buckets, only when the transient scale allows fast horizons. */
  private readonly fastRing: BucketRing | null = null;
  private lastGrowthT = -Infinity;
  private current: Verdict;

  constructor(opts: LeakDetectorOptions = {}) {
    this.kind = opts.kind ?? 'fds';
    this.transient = opts.transientSeconds ?? DEFAULT_TRANSIENT_S;
    const fine = new BucketRing(MIN, 200);
    this.fine = fine;
    const mid = new BucketRing(5 * MIN, 320);
    this.memory = new BucketRing(30 * MIN, Math.ceil(MEMORY_S / (30 * MIN)) + 8);
    this.rings = [fine, mid, this.memory];
    const longestFast = FAST_HORIZONS[FAST_HORIZONS.length - 1]![0];
    const fast = this.transient <= 2 * longestFast ? FAST_HORIZONS : [];
    if (fast.length > 0) {
      // Covers the longest fast horizon plus two blocks (the block in progress and alignment slack).
      const [h, block] = fast[fast.length - 1]!;
      this.fastRing = new BucketRing(FAST_BUCKET_S, Math.ceil((h + 3 * block) / FAST_BUCKET_S));
      this.rings.push(this.fastRing);
    }
    const nFast = fast.length;
    this.horizons = [...fast, ...HORIZONS].map(([h, block], i) => {
      // The coarsest ring whose buckets tile the block and that still remembers the whole horizon.
      const ring = [this.memory, mid, fine, ...this.rings.slice(3)].find(
        (r) => block % r.resolution === 0 && r.span >= h + 2 * block,
      );
      if (!ring) throw new Error(`no ring for horizon ${h}`);
      return {
        h,
        block,
        fast: i < nFast,
        ring,
        span: h,
        end: -1,
        valid: false,
        why: 'flat' as Why,
        slope: 0,
        slopeLow: 0,
        slopeHigh: 0,
        eta: NaN,
        etaLow: NaN,
        etaHigh: NaN,
        startLow: NaN,
        lowEnd: NaN,
        band: 0,
        plateau: NaN,
      };
    });
    this.current = {
      verdict: 'ok',
      slope_per_hour: null,
      eta_t: null,
      eta_low_t: null,
      eta_high_t: null,
      reason: 'no samples yet',
    };
  }

  /** Feeds one sample (t in seconds; value and limit in the metric's unit) and returns the verdict. */
  push(t: number, value: number, limit: number): Verdict {
    if (!Number.isFinite(t) || !Number.isFinite(value) || t < this.lastT) return this.current;
    if (Number.isNaN(this.firstT)) this.firstT = t;
    this.lastT = t;
    this.lastValue = value;
    if (Number.isFinite(limit) && limit > 0) this.limit = limit;
    for (const r of this.rings) r.add(t, value);
    // A sample far under a leak's lows (a collector ran, the service restarted) ends it at once,
    // without waiting for the long windows' next re-fit.
    const dropped = value < this.dropBelow;
    let changed = dropped;
    for (const hs of this.horizons) {
      const end = Math.floor(t / hs.block) * hs.block;
      if (end === hs.end) continue;
      hs.end = end;
      this.evaluate(hs, t);
      changed = true;
    }
    if (changed) this.current = this.decide(t, dropped);
    return this.current;
  }

  /** The verdict as of the last sample. */
  snapshot(): Verdict {
    return this.current;
  }

  /** Re-fits one horizon over its completed blocks. */
  private evaluate(hs: HorizonState, now: number): void {
    hs.valid = false;
    const { block, ring } = hs;
    // A young history is watched over what there is of it (from 60% of the horizon): evidence grows
    // continuously with time instead of jumping from one horizon to the next.
    const start = Math.max(hs.end - hs.h, Math.floor(this.firstT / block) * block);
    const h = hs.end - start;
    if (h < 0.6 * hs.h) return;
    const nBlocks = Math.round(h / block);
    const { bx, blo, bhi, pair } = this;
    let n = 0;
    for (let j = 0; j < nBlocks; j++) {
      const from = start + j * block;
      if (!ring.range(from, from + block, pair)) continue;
      bx[n] = from + block / 2 - start;
      blo[n] = pair[0];
      bhi[n] = pair[1];
      n++;
    }
    if (n < Math.max(8, 0.75 * nBlocks)) return;
    const fit = theilSen(bx, blo, n, this.scratch, TAU_GROWING);
    hs.valid = true;
    hs.span = h;
    hs.slope = fit.slope;
    hs.slopeLow = fit.slopeLow;
    hs.slopeHigh = fit.slopeHigh;
    hs.eta = hs.etaLow = hs.etaHigh = hs.plateau = NaN;
    const line = (x: number) => fit.intercept + fit.slope * (x - bx[0]!);
    hs.startLow = line(0);
    const rise = fit.slope * h;
    if (!(fit.slope > 0) || fit.tau < TAU_GROWING || rise < RISE_NOISE_GROWING * fit.noise) {
      hs.why = fit.slope > 0 && fit.tau >= TAU_GROWING ? 'inconsistent' : 'flat';
      return;
    }
    // Peaks ride above the lows: exhaustion comes when the highest excursion seen lately meets the limit.
    let band = 0;
    for (let i = n >> 1; i < n; i++) band = Math.max(band, bhi[i]! - line(bx[i]!));
    hs.band = band;
    hs.lowEnd = line(h);
    const peakNow = hs.lowEnd + band;
    this.project(hs, band);
    hs.why = 'leak';
    // A leak never gives back: lows that fell back by half the rise (a collector ran, a pool drained) end it.
    for (let i = n - Math.max(2, n >> 2); i < n; i++) {
      if (blo[i]! < line(bx[i]!) - rise / 2) {
        hs.why = 'inconsistent';
        return;
      }
    }
    if (fit.tau < TAU_LEAK || rise < RISE_NOISE_LEAK * fit.noise) {
      hs.why = 'inconsistent';
      return;
    }
    // Growth spread over the whole horizon, not one step (a reload, a bigger pool, the market opening).
    const q = n >> 2;
    if (q >= 2) {
      const expected = (rise / 4) * QUARTER_SHARE;
      let prev = medianOf(blo, 0, q, this.scratch);
      let stepped = false;
      for (let k = 1; k < 4 && !stepped; k++) {
        const m = medianOf(blo, k * q, k === 3 ? n : (k + 1) * q, this.scratch);
        stepped = m - prev < expected;
        prev = m;
      }
      // A step the robust fit looked through: the line misses the first or the last quarter by more
      // than half the rise it claims (levels of 300 then 900, drifting by noise, fit as +40 per window).
      for (let k = 0; k < 4 && !stepped; k += 3) {
        const from = k * q;
        const to = k === 3 ? n : q;
        for (let i = from; i < to; i++) this.resid[i - from] = blo[i]! - line(bx[i]!);
        stepped = Math.abs(medianInPlace(this.resid, to - from)) > rise / 2;
      }
      if (stepped) {
        hs.why = 'steps';
        return;
      }
    }
    // A curve that slows down is heading for a plateau (a cache, a heap, a pool filling up).
    const half = n >> 1;
    const s1 = sensSlope(bx, blo, 0, half, this.scratch);
    const s2 = sensSlope(bx, blo, half, n, this.scratch);
    if (!(s2 > 0)) {
      hs.why = 'slowing';
      hs.plateau = peakNow;
      return;
    }
    if (s1 > 0 && s2 < SLOWING_RATIO * s1) {
      const r = s2 / s1;
      const tau = (bx[n - 1]! - bx[0]!) / 2 / Math.log(1 / r);
      const plateau = peakNow + s2 * Math.sqrt(r) * tau;
      if (plateau < this.limit) {
        hs.why = 'slowing';
        hs.plateau = plateau;
        return;
      }
    }
    // Not a leak while the lows only revisit levels already seen (a daily or weekly cycle, a sawtooth).
    let recentLow = Infinity;
    for (let i = n - Math.max(2, q); i < n; i++) recentLow = Math.min(recentLow, blo[i]!);
    const memFrom = Math.ceil((now - MEMORY_S) / this.memory.resolution) * this.memory.resolution;
    const memTo = Math.floor(start / this.memory.resolution) * this.memory.resolution;
    if (memTo > memFrom && this.memory.range(memFrom, memTo, pair) && recentLow <= pair[1]) {
      hs.why = 'seen';
      return;
    }
    // With a short transient scale, windows are called within minutes and would otherwise see nothing
    // of the current half hour before them: a noisy service near its limit drifting up for a few
    // minutes is still under its own earlier peaks. The 5-second and 1-minute rings tell.
    if (this.fastRing) {
      const fr = this.fastRing;
      const fastFrom = Math.max(
        memTo,
        Math.floor(now / fr.resolution) * fr.resolution - fr.span + fr.resolution,
      );
      const fineFrom = Math.max(memTo, Math.floor(now / MIN) * MIN - this.fine.span + MIN);
      const fineTo = Math.floor(start / MIN) * MIN;
      if (
        (start > fastFrom && fr.range(fastFrom, start, pair) && recentLow <= pair[1]) ||
        (fineTo > fineFrom && this.fine.range(fineFrom, fineTo, pair) && recentLow <= pair[1])
      ) {
        hs.why = 'seen';
        return;
      }
    }
    // A short transient scale counts only for leaks due within FAST_AHEAD windows (never asking more
    // than the default: with the default scale this is the plain rule).
    const left = Math.max(0, hs.eta - now);
    const transient = Math.max(this.transient, Math.min(hs.h / FAST_AHEAD, DEFAULT_TRANSIENT_S));
    if (h * h < transient * left) hs.why = 'early';
  }

  private decide(now: number, dropped = false): Verdict {
    this.dropBelow = -Infinity;
    let leak: HorizonState | undefined;
    let growing: HorizonState | undefined;
    /** The longest window up to 6 hours: the recent rate shown when nothing grows. */
    let recent: HorizonState | undefined;
    for (const hs of this.horizons) {
      if (!hs.valid) continue;
      if (hs.h <= 6 * HOUR || !recent) recent = hs;
      if (hs.why === 'leak' && !dropped && this.corroborated(hs) && !this.fellBack(hs, now)) leak = hs;
      else if (
        hs.why !== 'flat' &&
        hs.h >= 30 * MIN &&
        (hs.why === 'slowing' || hs.eta - now < GROWING_WITHIN_S)
      ) {
        growing = hs;
      }
    }
    // Growth seen by a long window only, while a shorter one (2 h or more) has all but stopped, is over.
    if (growing) {
      for (const hs of this.horizons) {
        if (
          hs.valid &&
          hs.span >= 2 * HOUR &&
          hs.span <= growing.span / 2 &&
          !(hs.slope > growing.slope / 4)
        ) {
          growing = undefined;
          break;
        }
      }
    }
    if (leak || growing) this.lastGrowthT = now;
    if (leak) {
      // The long horizon proves the leak; the rate is the most recent one that is still steady, so a
      // leak that speeds up with traffic is timed by today's pace, not by the night's.
      let pace = leak;
      for (const hs of this.horizons) {
        if (hs.valid && hs.span >= leak.span / 4 && (hs.why === 'leak' || hs.why === 'early')) {
          pace = hs;
          break;
        }
      }
      // The proving window is the recent: it has seen the widest swings (a whole day's cycle, maybe).
      const peak = Math.max(pace.lowEnd + pace.band, leak.lowEnd + leak.band);
      if (peak > pace.lowEnd + pace.band) this.project(pace, peak - pace.lowEnd);
      if (!this.alarmed) {
        this.alarmBaseLow = leak.startLow;
        this.alarmPeakLow = leak.lowEnd;
      }
      this.dropBelow = leak.lowEnd - (leak.slope * leak.span) / 2;
      this.alarmed = true;
      return {
        verdict: 'leak',
        slope_per_hour: pace.slope * HOUR,
        eta_t: pace.eta,
        eta_low_t: pace.etaLow,
        eta_high_t: Number.isFinite(pace.etaHigh) ? pace.etaHigh : null,
        reason:
          `${formatRate(this.kind, pace.slope * HOUR)} for ${formatSpan(leak.span)}, steady; ` +
          `limit ${formatAmount(this.kind, this.limit)} ` +
          (pace.eta <= now ? 'reached' : `in ~${formatSpan(pace.eta - now)}`),
      };
    }
    if (this.alarmed) {
      // Released when usage falls back by half of what the leak added (a restart, a fix, a collector).
      let freed = dropped;
      if (this.lastLow(now)) {
        const low = this.pair[0];
        this.alarmPeakLow = Math.max(this.alarmPeakLow, low);
        freed ||= low < this.alarmBaseLow + (this.alarmPeakLow - this.alarmBaseLow) / 2;
      }
      if (!freed && now - this.lastGrowthT < RELEASE_S) {
        this.dropBelow = this.alarmBaseLow + (this.alarmPeakLow - this.alarmBaseLow) / 2;
        const prev = this.current;
        return {
          ...prev,
          verdict: 'leak',
          reason: prev.reason.includes('paused') ? prev.reason : `${prev.reason} (growth paused)`,
        };
      }
      this.alarmed = false;
    }
    if (growing) {
      const words: Record<Why, string> = {
        inconsistent: 'not steady yet',
        steps: 'in steps, not steadily (a reload or a load change?)',
        slowing: `slowing down, levelling off near ${formatAmount(this.kind, growing.plateau)}`,
        seen: 'within levels seen before (a load cycle?)',
        early: 'watching before calling it a leak',
        leak: '',
        flat: '',
      };
      return this.verdict(
        'growing',
        growing.slope * HOUR,
        `${formatRate(this.kind, growing.slope * HOUR)} for ${formatSpan(growing.span)}, ${words[growing.why]}`,
      );
    }
    if (!recent) {
      return this.verdict('ok', null, `learning (${formatSpan(now - this.firstT)} of samples)`);
    }
    return this.verdict('ok', recent.slope * HOUR, `no steady growth over ${formatSpan(recent.span)}`);
  }

  /** Predicted exhaustion: when the lows plus the widest excursion seen above them meet the limit. */
  private project(hs: HorizonState, band: number): void {
    if (!(this.limit > 0)) {
      // No known limit: growth can be watched, never timed.
      hs.eta = hs.etaLow = hs.etaHigh = Infinity;
      return;
    }
    const headroom = this.limit - (hs.lowEnd + band);
    hs.eta = headroom > 0 ? hs.end + headroom / hs.slope : hs.end;
    hs.etaLow = headroom > 0 ? hs.end + headroom / hs.slopeHigh : hs.end;
    hs.etaHigh = headroom <= 0 ? hs.end : hs.slopeLow > 0 ? hs.end + headroom / hs.slopeLow : Infinity;
  }

  /** Long windows are re-fitted once per block; a drop since (a collector ran, a restart) ends them at once. */
  private fellBack(hs: HorizonState, now: number): boolean {
    // A fast window's rise is a few blocks' worth: the last sample, not the last minute, tells.
    if (hs.fast) return this.lastValue < hs.lowEnd - (hs.slope * hs.span) / 2;
    const minute = Math.floor(now / MIN) * MIN;
    if (!this.fine.range(minute - MIN, minute, this.pair)) return false;
    return this.pair[0] < hs.lowEnd - (hs.slope * hs.span) / 2;
  }

  /**
   * Low (and high) of the last complete bucket, into this.pair: 5 seconds when fast horizons exist (a
   * fast leak's previous minute is far below its current lows), else the previous minute.
   */
  private lastLow(now: number): boolean {
    const r = this.fastRing ?? this.fine;
    const b = Math.floor(now / r.resolution) * r.resolution;
    return r.range(b - r.resolution, b, this.pair);
  }

  /**
   * A long window can borrow steadiness from a flat stretch around a short ramp (the market opening):
   * the windows from a third of its length up to it must not see steps or a levelling-off.
   */
  private corroborated(long: HorizonState): boolean {
    for (const hs of this.horizons) {
      if (hs === long) break;
      if (hs.valid && hs.span >= long.span / 3 && (hs.why === 'slowing' || hs.why === 'steps')) return false;
    }
    return true;
  }

  private verdict(verdict: VerdictKind, slopePerHour: number | null, reason: string): Verdict {
    return { verdict, slope_per_hour: slopePerHour, eta_t: null, eta_low_t: null, eta_high_t: null, reason };
  }
}
