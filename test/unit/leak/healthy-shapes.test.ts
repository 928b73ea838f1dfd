// Healthy shapes of issue 6 must never be called a leak, at any sampling interval or noise level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './run-series.js';
import { shapes as S, type Series } from './synthetic.js';

const H = 3600;
const MiB = 2 ** 20;
const GiB = 2 ** 30;
const INTERVALS = [1, 5, 15, 60];

interface Case {
  name: string;
  kind?: 'fds' | 'rss';
  series: Omit<Series, 'step' | 'seed' | 'noise'>;
  /** Noise levels (standard deviations) to try. */
  noises: number[];
}

const cases: Case[] = [
  {
    name: 'stationary-bursty',
    series: { shape: S.flat(210), duration: 24 * H, limit: 1024, burst: 30 },
    noises: [0, 3, 15],
  },
  {
    name: 'sitting-near-the-limit',
    series: { shape: S.flat(985), duration: 24 * H, limit: 1024, burst: 20 },
    noises: [0, 4, 10],
  },
  {
    name: 'pool-warmup-45min',
    series: { shape: S.warmup(230, 200, 45 * 60), duration: 24 * H, limit: 1024, burst: 25 },
    noises: [2, 8],
  },
  {
    name: 'pool-warmup-90min-to-half',
    series: { shape: S.warmup(100, 400, 90 * 60), duration: 24 * H, limit: 1024, burst: 25 },
    noises: [2, 8],
  },
  {
    name: 'pool-warmup-saturating',
    series: { shape: S.warmupExp(100, 600, 40 * 60), duration: 24 * H, limit: 1024, burst: 25 },
    noises: [2, 8],
  },
  {
    name: 'one-off-step',
    series: { shape: S.step(240, 180, 6 * H), duration: 24 * H, limit: 1024, burst: 20 },
    noises: [2, 6],
  },
  {
    name: 'one-off-step-to-near-limit',
    series: { shape: S.step(300, 600, 3 * H), duration: 24 * H, limit: 1024, burst: 20 },
    noises: [2, 6],
  },
  {
    name: 'gc-closed-handles-30min',
    series: { shape: S.gcSawtooth(160, 270, 30 * 60), duration: 24 * H, limit: 1024 },
    noises: [1, 5],
  },
  {
    name: 'gc-closed-handles-3h',
    series: { shape: S.gcSawtooth(160, 270, 3 * H), duration: 24 * H, limit: 1024 },
    noises: [1, 5],
  },
  {
    name: 'heap-grows-to-plateau',
    kind: 'rss',
    series: { shape: S.plateau(100 * MiB, 400 * MiB, 4 * H, 60 * MiB, 600), duration: 24 * H, limit: GiB },
    noises: [MiB, 4 * MiB],
  },
  {
    name: 'heap-grows-fast-to-plateau',
    kind: 'rss',
    series: { shape: S.plateau(100 * MiB, 600 * MiB, 2 * H, 60 * MiB, 900), duration: 24 * H, limit: GiB },
    noises: [MiB, 4 * MiB],
  },
  {
    name: 'cache-grows-like-log-to-cap',
    kind: 'rss',
    series: { shape: S.cacheLog(100 * MiB, 500 * MiB, 80 * MiB), duration: 24 * H, limit: GiB },
    noises: [MiB, 4 * MiB],
  },
];

// Long cycles: a week with weekends, sampled at 15 s and 60 s (1 s would be 600 000 samples a week).
const cycles: Case[] = [
  {
    name: 'market-hours-week',
    series: { shape: S.market(150, 300), duration: 9 * 24 * H, limit: 1024, burst: 40 },
    noises: [3, 10],
  },
  {
    name: 'market-hours-to-60-percent',
    series: { shape: S.market(150, 450), duration: 9 * 24 * H, limit: 1024, burst: 20 },
    noises: [3],
  },
];

for (const c of cases) {
  test(`${c.name} is never called a leak (1, 5, 15, 60 s sampling)`, () => {
    let seed = 1;
    for (const step of INTERVALS) {
      for (const noise of c.noises) {
        const o = run({ ...c.series, step, noise, seed: seed++, integer: c.kind !== 'rss' }, c.kind);
        assert.equal(
          o.firstAlarm,
          null,
          `${c.name} at ${step}s, noise ${noise}: alarm at +${o.firstAlarm}s (${o.reason})`,
        );
      }
    }
  });
}

for (const c of cycles) {
  test(`${c.name} is never called a leak (15, 60 s sampling)`, () => {
    let seed = 100;
    for (const step of [15, 60]) {
      for (const noise of c.noises) {
        const o = run({ ...c.series, step, noise, seed: seed++ }, c.kind);
        assert.equal(
          o.firstAlarm,
          null,
          `${c.name} at ${step}s, noise ${noise}: alarm at +${o.firstAlarm}s (${o.reason})`,
        );
      }
    }
  });
}
