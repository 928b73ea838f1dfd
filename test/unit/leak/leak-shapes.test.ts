// Leak shapes of issue 6 must be called a leak before the limit is hit, at any sampling interval,
// early enough to act (lead) and with a usable exhaustion time (ETA error, as score.py counts them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etaError, lead, run } from './run-series.js';
import { shapes as S, type Series } from './synthetic.js';

const H = 3600;
const MiB = 2 ** 20;
const GiB = 2 ** 30;

interface Case {
  name: string;
  kind?: 'fds' | 'rss';
  series: Omit<Series, 'step' | 'seed' | 'noise'>;
  noises: number[];
  steps: number[];
  leakStart?: number;
  minLead: number;
  maxEtaError: number;
}

const ALL = [1, 5, 15, 60];
const cases: Case[] = [
  {
    name: 'linear-40-per-hour',
    series: { shape: S.linear(210, 40), duration: 40 * H, limit: 1024, burst: 30 },
    noises: [3, 10],
    steps: ALL,
    minLead: 0.6,
    maxEtaError: 0.2,
  },
  {
    name: 'linear-120-per-hour',
    series: { shape: S.linear(230, 120), duration: 40 * H, limit: 1024, burst: 30 },
    noises: [3, 10],
    steps: ALL,
    minLead: 0.5,
    maxEtaError: 0.2,
  },
  {
    name: 'linear-400-per-hour',
    series: { shape: S.linear(90, 400), duration: 40 * H, limit: 1024, burst: 30 },
    noises: [3, 10],
    steps: ALL,
    minLead: 0.35,
    maxEtaError: 0.25,
  },
  {
    name: 'fast-leak-2000-per-hour-is-still-caught',
    series: { shape: S.linear(90, 2000), duration: 40 * H, limit: 1024, burst: 10 },
    noises: [2, 5],
    steps: [1, 5, 15],
    minLead: 0.1,
    maxEtaError: 0.3,
  },
  {
    name: 'slow-leak-10-per-hour-big-limit',
    series: { shape: S.linear(300, 10), duration: 400 * H, limit: 4096, burst: 30 },
    noises: [5],
    steps: [60],
    minLead: 0.8,
    maxEtaError: 0.2,
  },
  {
    name: 'staircase-2-every-5-minutes',
    series: { shape: S.staircase(620, 2, 300), duration: 60 * H, limit: 1024, burst: 10 },
    noises: [2, 5],
    steps: ALL,
    minLead: 0.6,
    maxEtaError: 0.2,
  },
  {
    name: 'staircase-2-every-10-minutes-slow',
    series: { shape: S.staircase(300, 2, 600), duration: 100 * H, limit: 1024, burst: 10 },
    noises: [2],
    steps: [15, 60],
    minLead: 0.6,
    maxEtaError: 0.2,
  },
  {
    name: 'leak-starts-after-a-healthy-day',
    series: { shape: S.linear(200, 90, 24 * H), duration: 60 * H, limit: 1024, burst: 25 },
    leakStart: 24 * H,
    noises: [3, 8],
    steps: ALL,
    minLead: 0.5,
    maxEtaError: 0.2,
  },
  {
    name: 'per-request-leak-pauses-at-night-and-weekends',
    series: {
      shape: S.sum(S.market(150, 50), S.perRequest(0, 100)),
      duration: 9 * 24 * H,
      limit: 1024,
      burst: 25,
    },
    noises: [3, 8],
    steps: [15, 60],
    minLead: 0.4,
    maxEtaError: 1, // the pace changes with traffic: only the catch and the lead are pinned down
  },
  {
    name: 'memory-leak-30MiB-per-hour-under-gc-sawtooth',
    kind: 'rss',
    series: { shape: S.memLeak(150 * MiB, 30 * MiB, 80 * MiB, 600), duration: 60 * H, limit: GiB },
    noises: [MiB, 3 * MiB],
    steps: ALL,
    minLead: 0.6,
    maxEtaError: 0.2,
  },
  {
    name: 'memory-leak-120MiB-per-hour-under-gc-sawtooth',
    kind: 'rss',
    series: { shape: S.memLeak(150 * MiB, 120 * MiB, 80 * MiB, 600), duration: 60 * H, limit: GiB },
    noises: [MiB, 3 * MiB],
    steps: ALL,
    minLead: 0.5,
    maxEtaError: 0.2,
  },
];

for (const c of cases) {
  test(`${c.name} is caught before the limit (${c.steps.join(', ')} s sampling)`, () => {
    let seed = 7;
    for (const step of c.steps) {
      for (const noise of c.noises) {
        const s = { ...c.series, step, noise, seed: seed++, integer: c.kind !== 'rss' };
        const o = run(s, c.kind);
        const where = `${c.name} at ${step}s, noise ${noise}`;
        assert.ok(o.exhausted, `${where}: the series should run to its limit`);
        assert.notEqual(o.firstAlarm, null, `${where}: missed (${o.reason})`);
        assert.ok(o.firstAlarm! >= (c.leakStart ?? 0), `${where}: alarm before the leak began`);
        const l = lead(o, c.leakStart);
        assert.ok(l >= c.minLead, `${where}: lead ${l.toFixed(2)} < ${c.minLead}`);
        const e = etaError(o);
        assert.ok(e <= c.maxEtaError, `${where}: ETA error ${e.toFixed(2)} > ${c.maxEtaError}`);
      }
    }
  });
}
