/** Slots allocated at first: a ring grows (doubling) only as its history lengthens. */
const INITIAL_SLOTS = 16;

/**
 * A fixed-capacity ring of time-aligned buckets, each holding the minimum and maximum of the samples that
 * fell in it. Buckets are keyed by `floor(t / resolution)`, so the ring depends on time, never on how many
 * samples arrived: the same series sampled every second or every minute fills the same buckets.
 * Storage is allocated as the span of the history needs it, up to `capacity` (a service that just
 * started holds 16 slots per ring, not the hundreds that eight days need); until it is full nothing is
 * overwritten, so a smaller allocation holds exactly what the full ring would.
 */
export class BucketRing {
  readonly resolution: number;
  readonly capacity: number;
  private size: number;
  private keys: Float64Array;
  private lows: Float64Array;
  private highs: Float64Array;
  private firstKey = NaN;

  constructor(resolutionSeconds: number, capacity: number) {
    this.resolution = resolutionSeconds;
    this.capacity = capacity;
    this.size = Math.min(capacity, INITIAL_SLOTS);
    this.keys = new Float64Array(this.size).fill(-1);
    this.lows = new Float64Array(this.size);
    this.highs = new Float64Array(this.size);
  }

  /** Slots allocated now (at most `capacity`). */
  get allocated(): number {
    return this.size;
  }

  /** Re-allocates for at least `needed` slots, moving every bucket to its slot in the larger ring. */
  private grow(needed: number): void {
    const size = Math.min(this.capacity, Math.max(needed, 2 * this.size));
    const keys = new Float64Array(size).fill(-1);
    const lows = new Float64Array(size);
    const highs = new Float64Array(size);
    for (let i = 0; i < this.size; i++) {
      const k = this.keys[i]!;
      if (k === -1) continue;
      const slot = k % size;
      keys[slot] = k;
      lows[slot] = this.lows[i]!;
      highs[slot] = this.highs[i]!;
    }
    this.size = size;
    this.keys = keys;
    this.lows = lows;
    this.highs = highs;
  }

  /** Time span the ring remembers, in seconds. */
  get span(): number {
    return this.resolution * this.capacity;
  }

  /** Adds a sample; times must not go backwards (the caller enforces it). */
  add(t: number, v: number): void {
    const k = Math.floor(t / this.resolution);
    if (this.size < this.capacity) {
      if (Number.isNaN(this.firstKey)) this.firstKey = k;
      if (k - this.firstKey >= this.size) this.grow(k - this.firstKey + 1);
    }
    const slot = k % this.size;
    if (this.keys[slot] !== k) {
      this.keys[slot] = k;
      this.lows[slot] = v;
      this.highs[slot] = v;
      return;
    }
    if (v < this.lows[slot]!) this.lows[slot] = v;
    if (v > this.highs[slot]!) this.highs[slot] = v;
  }

  /**
   * Minimum and maximum over [from, to) (seconds, multiples of the resolution), written into `out`
   * as [low, high]; returns false when no sample fell in that range or it is older than the ring.
   */
  range(from: number, to: number, out: [number, number]): boolean {
    const k0 = Math.floor(from / this.resolution);
    const k1 = Math.floor(to / this.resolution);
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = k0; k < k1; k++) {
      const slot = k % this.size;
      if (this.keys[slot] !== k) continue;
      const l = this.lows[slot]!;
      const h = this.highs[slot]!;
      if (l < lo) lo = l;
      if (h > hi) hi = h;
    }
    if (lo === Infinity) return false;
    out[0] = lo;
    out[1] = hi;
    return true;
  }
}
