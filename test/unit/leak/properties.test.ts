// Property tests: the detector never says `leak` on a stationary series, whatever the level, the noise
// and the sampling interval; nor on a periodic one (periods from minutes to a week) once it has seen
// a whole cycle, nor ever on a short cycle. Runs are bounded so the whole file takes seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LeakDetector } from '../../../src/leak/detector.js';
import { prng } from './synthetic.js';

const H = 3600;
const START = 1767571200;
/** Keeps each run under about 40 000 samples: long series are sampled more sparsely. */
const MAX_SAMPLES = 40_000;

function stepFor(requested: number, duration: number): number {
  return Math.max(requested, Math.ceil(duration / MAX_SAMPLES));
}

/** Returns the time (relative) of the first `leak` verdict at or after `from`, or null. */
function firstLeak(
  value: (t: number, rnd: () => number) => number,
  limit: number,
  duration: number,
  step: number,
  seed: number,
  from = 0,
): number | null {
  const d = new LeakDetector();
  const rnd = prng(seed);
  for (let x = 0; x <= duration; x += step) {
    const v = Math.min(limit, Math.max(0, value(x, rnd)));
    if (d.push(START + x, v, limit).verdict === 'leak' && x >= from) return x;
  }
  return null;
}

const gauss = (rnd: () => number) => (rnd() + rnd() + rnd() - 1.5) * 2;

test('stationary series are never a leak, at any level, noise and sampling interval', () => {
  fc.assert(
    fc.property(
      fc.record({
        limit: fc.constantFrom(256, 1024, 65536),
        level: fc.double({ min: 0, max: 0.95, noNaN: true }),
        noise: fc.double({ min: 0, max: 0.3, noNaN: true }),
        spikes: fc.double({ min: 0, max: 0.2, noNaN: true }),
        step: fc.constantFrom(1, 5, 15, 60),
        hours: fc.integer({ min: 1, max: 48 }),
        integer: fc.boolean(),
        seed: fc.integer(),
      }),
      (p) => {
        const at = firstLeak(
          (_t, rnd) => {
            let v = p.limit * (p.level + p.noise * p.level * gauss(rnd));
            if (rnd() < 0.05) v += rnd() * p.spikes * p.limit;
            return p.integer ? Math.round(v) : v;
          },
          p.limit,
          p.hours * H,
          stepFor(p.step, p.hours * H),
          p.seed,
        );
        assert.equal(at, null, `leak verdict at +${at}s on a stationary series`);
      },
    ),
    { numRuns: 40, seed: 20261123, endOnFailure: true },
  );
});

const waves = {
  sine: (ph: number) => (1 - Math.cos(2 * Math.PI * ph)) / 2,
  square: (ph: number) => (ph < 0.5 ? 0 : 1),
  sawtooth: (ph: number) => ph,
  triangle: (ph: number) => (ph < 0.5 ? 2 * ph : 2 - 2 * ph),
};

const periodic = fc.record({
  wave: fc.constantFrom(...(Object.keys(waves) as (keyof typeof waves)[])),
  period: fc.integer({ min: 10 * 60, max: 7 * 24 * H }),
  base: fc.double({ min: 0.05, max: 0.4, noNaN: true }),
  amplitude: fc.double({ min: 0.02, max: 0.5, noNaN: true }),
  noise: fc.double({ min: 0, max: 0.03, noNaN: true }),
  step: fc.constantFrom(1, 5, 15, 60),
  phase: fc.double({ min: 0, max: 1, noNaN: true }),
  seed: fc.integer(),
});

test('periodic series (10 minutes to a week) are never a leak once a whole cycle has been seen', () => {
  fc.assert(
    fc.property(periodic, (p) => {
      const limit = 1024;
      const wave = waves[p.wave];
      const duration = 3 * p.period;
      const at = firstLeak(
        (t, rnd) =>
          Math.round(
            limit *
              (p.base + p.amplitude * wave((((t / p.period + p.phase) % 1) + 1) % 1) + p.noise * gauss(rnd)),
          ),
        limit,
        duration,
        stepFor(p.step, duration),
        p.seed,
        p.period,
      );
      assert.equal(at, null, `leak verdict at +${at}s on a ${p.wave} of period ${p.period}s`);
    }),
    { numRuns: 40, seed: 20261124, endOnFailure: true },
  );
});

test('short cycles (up to an hour) are never a leak, not even on the first one', () => {
  fc.assert(
    fc.property(periodic, (p) => {
      const limit = 1024;
      const wave = waves[p.wave];
      const period = 600 + (p.period % 3000);
      const duration = Math.max(6 * period, 6 * H);
      const at = firstLeak(
        (t, rnd) =>
          Math.round(
            limit *
              (p.base + p.amplitude * wave((((t / period + p.phase) % 1) + 1) % 1) + p.noise * gauss(rnd)),
          ),
        limit,
        duration,
        stepFor(p.step, duration),
        p.seed,
      );
      assert.equal(at, null, `leak verdict at +${at}s on a ${p.wave} of period ${period}s`);
    }),
    { numRuns: 40, seed: 20261125, endOnFailure: true },
  );
});
