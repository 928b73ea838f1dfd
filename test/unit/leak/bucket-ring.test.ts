// BucketRing allocates its slots as the history lengthens (memory of a young service's detectors); it must
// answer every range query exactly as a ring allocated at full capacity from the start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BucketRing } from '../../../src/leak/bucket-ring.js';

/** The ring as it was before lazy allocation: every slot from the start. */
class FullRing {
  private readonly keys: Float64Array;
  private readonly lows: Float64Array;
  private readonly highs: Float64Array;
  constructor(
    readonly resolution: number,
    readonly capacity: number,
  ) {
    this.keys = new Float64Array(capacity).fill(-1);
    this.lows = new Float64Array(capacity);
    this.highs = new Float64Array(capacity);
  }
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
  range(from: number, to: number, out: [number, number]): boolean {
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = Math.floor(from / this.resolution); k < Math.floor(to / this.resolution); k++) {
      const slot = k % this.capacity;
      if (this.keys[slot] !== k) continue;
      lo = Math.min(lo, this.lows[slot]!);
      hi = Math.max(hi, this.highs[slot]!);
    }
    if (lo === Infinity) return false;
    out[0] = lo;
    out[1] = hi;
    return true;
  }
}

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

test('a ring that allocates as it goes answers every range like a ring allocated in full', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const r = rng(seed);
    const resolution = [5, 60, 300][seed % 3]!;
    const capacity = [7, 16, 200, 392][seed % 4]!;
    const lazy = new BucketRing(resolution, capacity);
    const full = new FullRing(resolution, capacity);
    let t = 1_795_000_000 + Math.floor(r() * 1e6);
    const a: [number, number] = [0, 0];
    const b: [number, number] = [0, 0];
    for (let i = 0; i < 3000; i++) {
      // Mostly regular sampling, sometimes a gap longer than the whole ring (a stopped daemon).
      t += r() < 0.005 ? resolution * capacity * (1 + r()) : r() * resolution * 1.5;
      const v = Math.round(r() * 1000);
      lazy.add(t, v);
      full.add(t, v);
      const span = resolution * Math.ceil(r() * capacity * 1.2);
      const to = (Math.floor(t / resolution) + 1) * resolution;
      const from = to - span;
      assert.equal(lazy.range(from, to, a), full.range(from, to, b), `seed ${seed}, sample ${i}`);
      assert.deepEqual(a, b, `seed ${seed}, sample ${i}`);
    }
    assert.equal(lazy.allocated, capacity);
  }
});

test('a young ring holds a few slots, and grows only as far as its history reaches', () => {
  const ring = new BucketRing(60, 392);
  assert.equal(ring.allocated, 16);
  for (let t = 0; t < 10 * 60; t += 5) ring.add(1_795_000_000 + t, t);
  assert.equal(ring.allocated, 16, 'ten minutes of one-minute buckets fit in the first slots');
  for (let t = 10 * 60; t < 100 * 60; t += 5) ring.add(1_795_000_000 + t, t);
  assert.ok(ring.allocated >= 100 && ring.allocated <= 200, `${ring.allocated} slots for 100 minutes`);
});
