// Live sampling is not a metronome: jitter, a daemon that was down for hours, a service restarted
// after a leak. None of these may create a leak, hide one, or keep a released one latched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeakDetector } from '../../../src/leak/detector.js';
import { prng } from './synthetic.js';

const H = 3600;
const T0 = 1767571200;

/** Pushes value(x) at jittered times (step ± 40%) over [from, to), skipping [gapFrom, gapTo). */
function feed(
  d: LeakDetector,
  value: (x: number) => number,
  opts: { from: number; to: number; step: number; seed: number; gap?: [number, number] },
): number | null {
  const rnd = prng(opts.seed);
  let first: number | null = null;
  for (let x = opts.from; x < opts.to; x += opts.step * (0.6 + 0.8 * rnd())) {
    if (opts.gap && x >= opts.gap[0] && x < opts.gap[1]) continue;
    const v = Math.round(value(x) + (rnd() - 0.5) * 20);
    if (d.push(T0 + x, v, 1024).verdict === 'leak' && first === null) first = x;
  }
  return first;
}

test('jittered sampling with a 3-hour gap: a flat series stays healthy', () => {
  const d = new LeakDetector();
  const first = feed(d, () => 300, { from: 0, to: 30 * H, step: 10, seed: 1, gap: [8 * H, 11 * H] });
  assert.equal(first, null);
  assert.notEqual(d.snapshot().verdict, 'leak');
});

test('jittered sampling with a 3-hour gap: a 60/h leak is still caught before the limit', () => {
  const d = new LeakDetector();
  const first = feed(d, (x) => 200 + (60 * x) / H, {
    from: 0,
    to: 13 * H,
    step: 10,
    seed: 2,
    gap: [3 * H, 6 * H],
  });
  assert.notEqual(first, null);
  assert.ok(first! < 12 * H, `alarm at ${first! / H} h, exhaustion at ~13.7 h`);
});

test('a latched leak is released when the service restarts and usage falls back', () => {
  const d = new LeakDetector();
  const first = feed(d, (x) => 200 + (100 * x) / H, { from: 0, to: 6 * H, step: 15, seed: 3 });
  assert.notEqual(first, null);
  assert.equal(d.snapshot().verdict, 'leak');
  // Restarted: back to its initial level, flat.
  const after = feed(d, () => 200, { from: 6 * H, to: 6 * H + 120, step: 15, seed: 4 });
  assert.equal(after, null, 'no leak verdict after usage fell back');
  assert.notEqual(d.snapshot().verdict, 'leak');
});

test('a per-request leak stays a leak through the night pause (no flapping)', () => {
  const d = new LeakDetector();
  // 8 hours of +80/h, then a flat night: the alarm must hold, not flap off and on.
  const first = feed(d, (x) => 150 + (80 * Math.min(x, 8 * H)) / H, {
    from: 0,
    to: 8 * H,
    step: 15,
    seed: 5,
  });
  assert.notEqual(first, null);
  const rnd = prng(6);
  for (let x = 8 * H; x < 18 * H; x += 15) {
    const v = d.push(T0 + x, Math.round(150 + 640 + (rnd() - 0.5) * 20), 1024);
    assert.equal(v.verdict, 'leak', `released during the pause at +${(x / H).toFixed(2)} h: ${v.reason}`);
  }
});
