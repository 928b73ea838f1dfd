// Fast leaks (minutes to exhaustion) under a short `leak.warmup`: caught with time to act, while the
// healthy shapes whose own time scale is shorter than the warm-up setting stay quiet, and sparse
// sampling never turns a few points into an early alarm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeakDetector } from '../../../src/leak/detector.js';
import { etaError, lead, run, type Outcome } from './run-series.js';
import { MONDAY, shapes as S, type Series } from './synthetic.js';

const H = 3600;
const M = 60;
const MiB = 2 ** 20;
const GiB = 2 ** 30;
const WARMUPS = [30, 60];

function describe(o: Outcome): string {
  return `alarm at +${o.firstAlarm}s, ETA +${o.etaAtAlarm?.toFixed(0)}s, end +${o.end}s (${o.reason})`;
}

/** 40 → 256 descriptors in `seconds`, linearly. */
function linearTo256(seconds: number, step: number, noise: number, seed: number): Series {
  return {
    shape: S.linear(40, (216 / seconds) * H),
    step,
    duration: 3 * seconds,
    limit: 256,
    noise,
    burst: 3 * noise,
    seed,
  };
}

test('a leak reaching 256 in 3 minutes (1 s samples) is called with time to act', () => {
  let seed = 1;
  for (const warmup of WARMUPS) {
    for (const noise of [0, 2, 5]) {
      const o = run(linearTo256(180, 1, noise, seed++), 'fds', warmup);
      const at = `warmup ${warmup}s, noise ${noise}: ${describe(o)}`;
      assert.ok(o.exhausted, at);
      assert.notEqual(o.firstAlarm, null, at);
      assert.ok(lead(o) >= 0.3, `lead ${lead(o).toFixed(2)}; ${at}`);
      assert.ok(etaError(o) <= 0.3, `ETA error ${etaError(o).toFixed(2)}; ${at}`);
    }
  }
});

test('a staircase leak (+3 every 2 s, 1 s samples) is called with time to act', () => {
  let seed = 10;
  for (const warmup of WARMUPS) {
    for (const noise of [0, 2]) {
      const o = run(
        { shape: S.staircase(40, 3, 2), step: 1, duration: 600, limit: 256, noise, seed: seed++ },
        'fds',
        warmup,
      );
      const at = `warmup ${warmup}s, noise ${noise}: ${describe(o)}`;
      assert.notEqual(o.firstAlarm, null, at);
      assert.ok(lead(o) >= 0.3, `lead ${lead(o).toFixed(2)}; ${at}`);
      assert.ok(etaError(o) <= 0.3, `ETA error ${etaError(o).toFixed(2)}; ${at}`);
    }
  }
});

test('leaks exhausting in 1 to 30 minutes are all called before the limit', () => {
  let seed = 20;
  for (const warmup of WARMUPS) {
    for (const seconds of [60, 120, 15 * M, 30 * M]) {
      const o = run(linearTo256(seconds, 1, 2, seed++), 'fds', warmup);
      const at = `${seconds}s to the limit, warmup ${warmup}s: ${describe(o)}`;
      assert.notEqual(o.firstAlarm, null, at);
      assert.ok(o.firstAlarm! < o.end, at);
      assert.ok(etaError(o) <= 0.3, `ETA error ${etaError(o).toFixed(2)}; ${at}`);
    }
  }
});

test('a quick warm-up (60% of the limit in 20 s, then flat) is never called a leak', () => {
  let seed = 30;
  for (const warmup of WARMUPS) {
    for (const step of [1, 5, 15]) {
      for (const noise of [1, 5]) {
        const o = run(
          {
            shape: S.warmup(10, 0.6 * 256, 20),
            step,
            duration: 2 * H,
            limit: 256,
            noise,
            burst: 10,
            seed: seed++,
          },
          'fds',
          warmup,
        );
        assert.equal(o.firstAlarm, null, `warmup ${warmup}s, ${step}s, noise ${noise}: ${describe(o)}`);
      }
    }
  }
});

test('a bursty steady service is never called a leak, far from or near its limit', () => {
  let seed = 40;
  for (const warmup of WARMUPS) {
    for (const level of [60, 200]) {
      for (const step of [1, 5]) {
        const o = run(
          { shape: S.flat(level), step, duration: 4 * H, limit: 256, noise: 3, burst: 40, seed: seed++ },
          'fds',
          warmup,
        );
        assert.equal(o.firstAlarm, null, `level ${level}, ${step}s, warmup ${warmup}s: ${describe(o)}`);
      }
    }
  }
});

// Healthy shapes with a warm-up setting above their own time scale (1.5–2 × the ramp or period; 30 s
// for shapes without one): a short setting must not turn them into leaks. A ramp of length D that ends
// L before the limit at its pace needs a setting above D²/L (docs/leak.md, "What a short warm-up gives up").
const healthy: {
  name: string;
  kind?: 'fds' | 'rss';
  warmup: number;
  series: Omit<Series, 'step' | 'seed'>;
}[] = [
  {
    name: 'stationary-bursty',
    warmup: 30,
    series: { shape: S.flat(210), duration: 24 * H, limit: 1024, noise: 15, burst: 30 },
  },
  {
    name: 'sitting-near-the-limit',
    warmup: 30,
    series: { shape: S.flat(985), duration: 24 * H, limit: 1024, noise: 10, burst: 20 },
  },
  {
    name: 'one-off-step',
    warmup: 30,
    series: { shape: S.step(240, 180, 6 * H), duration: 24 * H, limit: 1024, noise: 6, burst: 20 },
  },
  {
    name: 'one-off-step-to-near-limit',
    warmup: 30,
    series: { shape: S.step(300, 600, 3 * H), duration: 24 * H, limit: 1024, noise: 6, burst: 20 },
  },
  {
    name: 'pool-warmup-45min',
    warmup: 1.5 * 45 * M,
    series: { shape: S.warmup(230, 200, 45 * M), duration: 24 * H, limit: 1024, noise: 8, burst: 25 },
  },
  {
    name: 'pool-warmup-5min-to-75-percent',
    // Ends with ~80 s left at its pace, peaks near 85% of the limit: it needs a setting well above
    // D²/L = 300²/80 s ≈ 19 min. At 30 min, 15 and 60 s sampling still call it (docs/leak.md).
    warmup: 45 * M,
    series: { shape: S.warmup(40, 150, 5 * M), duration: 6 * H, limit: 256, noise: 5, burst: 10 },
  },
  {
    name: 'gc-closed-handles-30min',
    warmup: 2 * 30 * M,
    series: { shape: S.gcSawtooth(160, 270, 30 * M), duration: 24 * H, limit: 1024, noise: 5 },
  },
  {
    name: 'gc-closed-handles-1min',
    warmup: 2 * M,
    series: { shape: S.gcSawtooth(60, 100, M), duration: 6 * H, limit: 256, noise: 5 },
  },
  {
    name: 'heap-grows-fast-to-plateau',
    kind: 'rss',
    warmup: 2 * H,
    series: {
      shape: S.plateau(100 * MiB, 600 * MiB, 2 * H, 60 * MiB, 900),
      duration: 24 * H,
      limit: GiB,
      noise: 4 * MiB,
    },
  },
];

for (const c of healthy) {
  test(`${c.name} is not called a leak with a warm-up setting of ${c.warmup}s (1, 15, 60 s sampling)`, () => {
    let seed = 50;
    for (const step of [1, 15, 60]) {
      const o = run({ ...c.series, step, seed: seed++, integer: c.kind !== 'rss' }, c.kind, c.warmup);
      assert.equal(o.firstAlarm, null, `${c.name} at ${step}s: ${describe(o)}`);
    }
  });
}

test('the same fast leak sampled every 60 s is not alarmed on too few points', () => {
  for (const warmup of WARMUPS) {
    // Three samples before the limit: nothing to fit, nothing said.
    const short = run(linearTo256(180, 60, 2, 60), 'fds', warmup);
    assert.equal(short.firstAlarm, null, `3 min leak: ${describe(short)}`);
    // Fifteen samples: silent, or right.
    const longer = run(linearTo256(15 * M, 60, 2, 61), 'fds', warmup);
    if (longer.firstAlarm !== null) {
      assert.ok(
        etaError(longer) <= 0.3,
        `15 min leak: ETA error ${etaError(longer).toFixed(2)}; ${describe(longer)}`,
      );
    }
  }
});

test('a flat service sampled every 60 s with a short warm-up never alarms', () => {
  const o = run(
    { shape: S.flat(120), step: 60, duration: 48 * H, limit: 256, noise: 4, burst: 30, seed: 70 },
    'fds',
    30,
  );
  assert.equal(o.firstAlarm, null, describe(o));
});

test('with the default warm-up, a leak of a few minutes is not called (fast windows need a short setting)', () => {
  const o = run(linearTo256(180, 1, 2, 80), 'fds');
  assert.equal(o.firstAlarm, null, describe(o));
});

test('a fast leak stops being a leak once the service restarts and usage falls back', () => {
  const d = new LeakDetector({ kind: 'fds', transientSeconds: 30 });
  let alarmed = false;
  for (let x = 0; x < 600; x++) {
    // Leaks 1.2/s; restarted at 150 s (about 220 open), back to 40 and flat.
    const v = x < 150 ? 40 + 1.2 * x : 40 + (x % 7);
    const last = d.push(MONDAY + x, Math.round(v), 256);
    if (x < 150 && last.verdict === 'leak') alarmed = true;
    if (x >= 160) assert.notEqual(last.verdict, 'leak', `still a leak at +${x}s: ${last.reason}`);
  }
  assert.ok(alarmed, 'the leak before the restart was never called');
});

test('a 10-minute warm-up to 40% of the limit IS called a leak with a 1-minute setting, not by default (the stated trade-off)', () => {
  const pool: Series = {
    shape: S.warmup(100, 310, 10 * M),
    step: 1,
    duration: 2 * H,
    limit: 1024,
    noise: 2,
    burst: 8,
    seed: 90,
  };
  const short = run(pool, 'fds', 60);
  assert.notEqual(
    short.firstAlarm,
    null,
    'expected the documented trade-off; if this changed, update docs/leak.md',
  );
  assert.ok(short.firstAlarm! < 10 * M, describe(short));
  const byDefault = run(pool, 'fds');
  assert.equal(byDefault.firstAlarm, null, describe(byDefault));
});
