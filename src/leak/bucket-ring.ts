/**
 * A fixed-size ring of time-aligned buckets, each holding the minimum and maximum of the samples that fell
 * in it. Buckets are keyed by `floor(t / resolution)`, so the ring depends on time, never on how many
 * samples arrived: the same series sampled every second or every minute fills the same buckets.
 */
export class BucketRing {
  readonly resolution: number;
  readonly capacity: number;
  private readonly keys: Float64Array;
  private readonly lows: Float64Array;
  private readonly highs: Float64Array;

  constructor(resolutionSeconds: number, capacity: number) {
    this.resolution = resolutionSeconds;
    this.capacity = capacity;
    this.keys = new Float64Array(capacity).fill(-1);
    this.lows = new Float64Array(capacity);
    this.highs = new Float64Array(capacity);
  }

  /** Time span the ring remembers, in seconds. */
  get span(): number {
    return this.resolution * this.capacity;
  }

  /** Adds a sample; times must not go backwards (the caller enforces it). */
  add(t: number, v: number): void {
    const k = Math.floor(t / this.resolution);
    const slot = k % this.capacity;
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
      const slot = k % this.capacity;
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
