/** Small robust statistics used by the detector: Theil–Sen slope, Kendall's tau, medians. */

/** Rearranges a[lo..hi] so that a[k] is the value a full sort would put there (Hoare's quickselect). */
function select(a: Float64Array, lo: number, hi: number, k: number): number {
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const tmp = a[i]!;
        a[i] = a[j]!;
        a[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}

/** Value at quantile q (0..1) of a[0..n), linearly interpolated (reorders a). */
export function quantileInPlace(a: Float64Array, n: number, q: number): number {
  if (n === 0) return NaN;
  const pos = Math.min(n - 1, Math.max(0, q * (n - 1)));
  const i = Math.floor(pos);
  const f = pos - i;
  const lo = select(a, 0, n - 1, i);
  if (f === 0 || i + 1 >= n) return lo;
  // After selecting i, everything above index i is >= a[i]: the next order statistic is their minimum.
  let next = Infinity;
  for (let k = i + 1; k < n; k++) if (a[k]! < next) next = a[k]!;
  return lo * (1 - f) + next * f;
}

/** Median of a[0..n) (reorders a). */
export function medianInPlace(a: Float64Array, n: number): number {
  return quantileInPlace(a, n, 0.5);
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

/**
 * Fits a Theil–Sen line to points (x[i], y[i]), i < n; `scratch` must hold n*(n-1)/2 values. When
 * Kendall's tau is below `minTau`, only the slope and tau are computed (the rest is NaN): it saves the
 * work of the confidence interval and residuals on the common, flat case.
 */
export function theilSen(
  x: Float64Array,
  y: Float64Array,
  n: number,
  scratch: Float64Array,
  minTau = -Infinity,
): SlopeFit {
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
  const tau = m > 0 ? (conc - disc) / m : 0;
  if (tau < minTau) {
    // No trend to speak of: the slope alone, for display.
    return {
      slope: quantileInPlace(scratch, m, 0.5),
      slopeLow: NaN,
      slopeHigh: NaN,
      intercept: NaN,
      tau,
      noise: NaN,
    };
  }
  // Sen's confidence interval: ranks (m ∓ z·sqrt(Var S)) / 2 of the sorted pairwise slopes.
  const c = 1.645 * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const denom = Math.max(1, m - 1);
  const slope = quantileInPlace(scratch, m, 0.5);
  const slopeLow = quantileInPlace(scratch, m, Math.max(0, (m - c) / 2 / denom));
  const slopeHigh = quantileInPlace(scratch, m, Math.min(1, (m + c) / 2 / denom));
  const x0 = x[0]!;
  for (let i = 0; i < n; i++) scratch[i] = y[i]! - slope * (x[i]! - x0);
  const intercept = medianInPlace(scratch, n);
  for (let i = 0; i < n; i++) scratch[i] = Math.abs(y[i]! - intercept - slope * (x[i]! - x0));
  const noise = 1.4826 * medianInPlace(scratch, n);
  return { slope, slopeLow, slopeHigh, intercept, tau, noise };
}

/** Theil–Sen slope alone over the points i in [from, to). */
export function sensSlope(
  x: Float64Array,
  y: Float64Array,
  from: number,
  to: number,
  scratch: Float64Array,
): number {
  let m = 0;
  for (let i = from; i < to; i++) {
    for (let j = i + 1; j < to; j++) scratch[m++] = (y[j]! - y[i]!) / (x[j]! - x[i]!);
  }
  return medianInPlace(scratch, m);
}

/** Median of y[from..to) without disturbing y. */
export function medianOf(y: Float64Array, from: number, to: number, scratch: Float64Array): number {
  for (let i = from; i < to; i++) scratch[i - from] = y[i]!;
  return medianInPlace(scratch, to - from);
}
