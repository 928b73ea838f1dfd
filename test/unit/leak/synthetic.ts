/**
 * Synthetic resource histories for the leak detector's tests: every healthy shape and every leak shape
 * of issue 6, at any sampling interval, with seeded noise so each failure is reproducible.
 */

/** A small, fast, seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 2026-01-05 00:00 UTC, a Monday: weekday/weekend cycles start on a known day. */
export const MONDAY = 1767571200;
const H = 3600;
const DAY = 86400;

/** Traffic of a market-hours service: 0 at night and on weekends, 1 from 09:30 to 16:00 on weekdays. */
export function marketTraffic(t: number): number {
  const day = Math.floor((t - MONDAY) / DAY);
  const dow = ((day % 7) + 7) % 7;
  if (dow >= 5) return 0;
  const hour = (t - MONDAY - day * DAY) / H;
  if (hour < 9 || hour >= 16.5) return 0;
  if (hour < 9.5) return (hour - 9) / 0.5; // ramp in over half an hour
  if (hour >= 16) return (16.5 - hour) / 0.5;
  return 1;
}

/** The noise-free level of a shape at time t (seconds since the start). */
export type Shape = (t: number) => number;

export interface Series {
  /** The shape's level at each sample time, plus noise, as integers (fds) or bytes (rss). */
  shape: Shape;
  /** Sampling interval, seconds. */
  step: number;
  /** Length, seconds (a leak's series ends at exhaustion, found by sampling). */
  duration: number;
  limit: number;
  /** Gaussian-ish noise amplitude (standard deviation) in the metric's unit. */
  noise: number;
  /** Bursty noise: occasional positive spikes of this size (requests holding descriptors briefly). */
  burst?: number;
  seed: number;
  integer?: boolean;
  start?: number;
}

/** Yields [t, value, limit] samples of a series; stops at the limit (the process would die there). */
export function* samples(s: Series): Generator<[number, number, number]> {
  const rnd = prng(s.seed);
  const t0 = s.start ?? MONDAY;
  for (let x = 0; x <= s.duration; x += s.step) {
    const gauss = (rnd() + rnd() + rnd() - 1.5) * 2; // ~N(0,1)
    let v = s.shape(x) + gauss * s.noise;
    if (s.burst && rnd() < 0.1) v += rnd() * s.burst;
    v = Math.max(0, s.integer === false ? v : Math.round(v));
    if (v >= s.limit) {
      yield [t0 + x, s.limit, s.limit];
      return;
    }
    yield [t0 + x, v, s.limit];
  }
}

/** Sawtooth between 0 and `amp` with period `period` (handles closed only by a collector; a GC heap). */
export function sawtooth(t: number, period: number, amp: number, phase = 0): number {
  return (((t + phase) % period) / period) * amp;
}

export const shapes = {
  flat:
    (level: number): Shape =>
    () =>
      level,
  /** The sum of several shapes (a leak on top of a daily cycle). */
  sum:
    (...parts: Shape[]): Shape =>
    (t) =>
      parts.reduce((a, p) => a + p(t), 0),
  /** A pool filling linearly to `size` in `ramp` seconds after start, then flat. */
  warmup:
    (base: number, size: number, ramp: number): Shape =>
    (t) =>
      base + size * Math.min(1, t / ramp),
  /** A pool filling like a capacitor (fast, then slower) with time constant tau. */
  warmupExp:
    (base: number, size: number, tau: number): Shape =>
    (t) =>
      base + size * (1 - Math.exp(-t / tau)),
  /** One step of `size` at `at` (a reload, a bigger pool). */
  step:
    (base: number, size: number, at: number): Shape =>
    (t) =>
      base + (t >= at ? size : 0),
  /** Market-hours load: `extra` more while trading, relative to start (a Monday 00:00). */
  market:
    (base: number, extra: number, start = MONDAY): Shape =>
    (t) =>
      base + extra * marketTraffic(start + t),
  /** A smooth daily cycle (sine) of amplitude `amp`. */
  daily:
    (base: number, amp: number): Shape =>
    (t) =>
      base + (amp * (1 - Math.cos((2 * Math.PI * t) / DAY))) / 2,
  /** Descriptors closed only by a collector: climbs by `amp` over `period`, drops back. */
  gcSawtooth:
    (base: number, amp: number, period: number): Shape =>
    (t) =>
      base + sawtooth(t, period, amp),
  /** A heap or cache growing to a plateau (time constant tau), with a GC sawtooth on top. */
  plateau:
    (base: number, size: number, tau: number, gcAmp: number, gcPeriod: number): Shape =>
    (t) =>
      base + size * (1 - Math.exp(-t / tau)) + sawtooth(t, gcPeriod, gcAmp),
  /** A cache growing like log(t) until its cap. */
  cacheLog:
    (base: number, cap: number, scale: number): Shape =>
    (t) =>
      base + Math.min(cap, scale * Math.log1p(t / 600)),
  /** Linear leak of `perHour` from `at`. */
  linear:
    (base: number, perHour: number, at = 0): Shape =>
    (t) =>
      base + (perHour * Math.max(0, t - at)) / H,
  /** `size` more every `every` seconds (a reconnect that leaks two descriptors), from `at`. */
  staircase:
    (base: number, size: number, every: number, at = 0): Shape =>
    (t) =>
      base + size * Math.floor(Math.max(0, t - at) / every),
  /** Leaks `perTradingHour` only while traffic flows (market hours); the leak pauses at night and weekends. */
  perRequest: (base: number, perTradingHour: number, start = MONDAY): Shape => {
    // Integral of the traffic, precomputed per minute.
    const cum: number[] = [0];
    return (t) => {
      const m = Math.floor(t / 60);
      while (cum.length <= m) {
        const k = cum.length;
        cum.push(cum[k - 1]! + (marketTraffic(start + (k - 1) * 60) * perTradingHour) / 60);
      }
      return base + cum[m]! + (marketTraffic(start + t) * perTradingHour * (t - m * 60)) / H;
    };
  },
  /** A memory leak under a GC sawtooth: the lows climb `perHour`. */
  memLeak:
    (base: number, perHour: number, gcAmp: number, gcPeriod: number, at = 0): Shape =>
    (t) =>
      base + (perHour * Math.max(0, t - at)) / H + sawtooth(t, gcPeriod, gcAmp),
};
