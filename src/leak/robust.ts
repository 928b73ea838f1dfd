/** Small robust statistics used by the detector: Theil–Sen slope, Kendall's tau, medians. */

/** Median of the first `n` values of `a` (reorders them). */
export function medianInPlace(a: Float64Array, n: number): number {
  if (n === 0) return NaN;
  const s = a.subarray(0, n).sort();
  const m = n >> 1;
  return n % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Value at quantile q (0..1) of an already sorted array prefix. */
function quantileSorted(s: Float64Array, n: number, q: number): number {
  const pos = q * (n - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < n ? s[i]! * (1 - f) + s[i + 1]! * f : s[i]!;
}

export interface SlopeFit {
  /** Theil–Sen slope (median of pairwise slopes), in value units per second. */
  slope: number;
  /** About a 90% confidence interval of the slope (rank-based, from Kendall's statistic). */
  slopeLow: number;
  slopeHigh: number;
  /** Intercept so that y ≈ intercept + slope * (x - x[0]). */
  intercept: number;
  /** Kendall's tau (concordant minus discordant pairs, over all pairs): -1..1, 1 = every step rises. */
  tau: number;
  /** Robust spread of the residuals around the fitted line (1.4826 × MAD). */
  noise: number;
}

/** Fits a Theil–Sen line to points (x[i], y[i]), i < n; `scratch` must hold n*(n-1)/2 values. */
export function theilSen(x: Float64Array, y: Float64Array, n: number, scratch: Float64Array): SlopeFit {
  let m = 0;
  let conc = 0;
  let disc = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const yi = y[i]!;
    for (let j = i + 1; j < n; j++) {
      const dy = y[j]! - yi;
      scratch[m++] = dy / (x[j]! - xi);
      if (dy > 0) conc++;
      else if (dy < 0) disc++;
    }
  }
  const sorted = scratch.subarray(0, m).sort();
  const slope = quantileSorted(sorted, m, 0.5);
  // Sen's confidence interval: ranks (m ∓ z·sqrt(Var S)) / 2 of the sorted pairwise slopes.
  const c = 1.645 * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const slopeLow = quantileSorted(sorted, m, Math.max(0, (m - c) / 2 / Math.max(1, m - 1)));
  const slopeHigh = quantileSorted(sorted, m, Math.min(1, (m + c) / 2 / Math.max(1, m - 1)));
  const x0 = x[0]!;
  for (let i = 0; i < n; i++) scratch[i] = y[i]! - slope * (x[i]! - x0);
  const intercept = medianInPlace(scratch, n);
  for (let i = 0; i < n; i++) scratch[i] = Math.abs(y[i]! - intercept - slope * (x[i]! - x0));
  const noise = 1.4826 * medianInPlace(scratch, n);
  return { slope, slopeLow, slopeHigh, intercept, tau: m > 0 ? (conc - disc) / m : 0, noise };
}

/** Theil–Sen slope alone over the points i in [from, to). */
export function sensSlope(x: Float64Array, y: Float64Array, from: number, to: number, scratch: Float64Array): number {
  let m = 0;
  for (let i = from; i < to; i++) {
    for (let j = i + 1; j < to; j++) scratch[m++] = (y[j]! - y[i]!) / (x[j]! - x[i]!);
  }
  return medianInPlace(scratch, m);
}
