// Fast leaks (minutes to exhaustion) under a short warm-up setting: when the alarm fires, how good the
// predicted exhaustion is, and whether quick healthy shapes stay quiet. Sampled every second, as the
// daemon's tests and the example's leaky demo are.
// Run: npx tsx bench/leak-fast.ts
import { LeakDetector } from '../src/leak/detector.js';
import { samples, shapes as S, type Series } from '../test/unit/leak/synthetic.js';

const H = 3600;

function run(s: Series, transientSeconds: number | undefined): string {
  const d = new LeakDetector({ kind: 'fds', transientSeconds });
  let t0 = NaN;
  let first: number | null = null;
  let eta: number | null = null;
  let end = 0;
  for (const [t, v, limit] of samples(s)) {
    if (Number.isNaN(t0)) t0 = t;
    const r = d.push(t, v, limit);
    end = t - t0;
    if (r.verdict === 'leak' && first === null) {
      first = end;
      eta = r.eta_t === null ? null : r.eta_t - t0;
    }
  }
  if (first === null) return 'no alarm'.padEnd(34);
  const err = eta === null ? 1 : Math.min(1, Math.abs(eta - end) / (end - first));
  return `+${first}s of ${end}s, lead ${((end - first) / end).toFixed(2)}, ETA err ${err.toFixed(2)}`.padEnd(
    34,
  );
}

const cases: [string, Series][] = [
  ['40→256 in 1 min', linear(60)],
  ['40→256 in 2 min', linear(120)],
  ['40→256 in 3 min', linear(180)],
  ['40→256 in 15 min', linear(900)],
  ['40→256 in 30 min', linear(1800)],
  ['staircase +3 every 2 s, limit 256', { shape: S.staircase(40, 3, 2), ...common(256, 600) }],
  ['demo: 1/s to 512', { shape: S.linear(30, H), ...common(512, 2000) }],
  ['demo: 1.5/s to 1024', { shape: S.linear(30, 1.5 * H), ...common(1024, 2000) }],
  ['demo: 20 + 2/s to 1024', { shape: S.linear(20, 2 * H), ...common(1024, 2000) }],
  ['demo: 20 + 2/s to 512', { shape: S.linear(20, 2 * H), ...common(512, 2000) }],
  ['demo: 20 + 1/s to 256', { shape: S.linear(20, H), ...common(256, 2000) }],
  ['healthy: 60% of 256 in 20 s, flat 2 h', { shape: S.warmup(10, 154, 20), ...common(256, 2 * H, 10) }],
  ['healthy: bursty steady near 256, 2 h', { shape: S.flat(200), ...common(256, 2 * H, 40) }],
  ['healthy: 10-min warm-up to 75% of 256', { shape: S.warmup(40, 150, 600), ...common(256, H, 10) }],
];

function common(limit: number, duration: number, burst = 6) {
  return { step: 1, duration, limit, noise: 2, burst, seed: 7 };
}
function linear(seconds: number): Series {
  return { shape: S.linear(40, (216 / seconds) * H), ...common(256, 3 * seconds) };
}

console.log(
  `${'series (1 s samples, noise 2)'.padEnd(40)}${'warmup 30 s'.padEnd(36)}${'warmup 60 s'.padEnd(36)}default (90 min)`,
);
for (const [name, s] of cases) {
  console.log(`${name.padEnd(40)}${run(s, 30)}  ${run(s, 60)}  ${run(s, undefined)}`);
}

// What a short setting gives up: benign linear warm-ups, first alarm (s) at 1 s / 15 s sampling.
const settings = [30, 60, 300, 600, 1200, 1800, undefined] as const;
console.log(
  `\n${'warm-up (noise 2, bursts 8)'.padEnd(30)}` +
    settings.map((w) => (w === undefined ? 'default' : `${w} s`).padEnd(11)).join(''),
);
for (const [name, shape, limit] of [
  ['2 min to 50% of 1024', S.warmup(100, 410, 120), 1024],
  ['5 min to 50% of 1024', S.warmup(100, 410, 300), 1024],
  ['5 min to 75% of 256', S.warmup(40, 150, 300), 256],
  ['10 min to 40% of 1024', S.warmup(100, 310, 600), 1024],
  ['10 min to 60% of 1024', S.warmup(100, 515, 600), 1024],
  ['30 min to 50% of 1024', S.warmup(100, 410, 1800), 1024],
] as const) {
  const cells = settings.map((w) =>
    [1, 15]
      .map((step) => {
        const d = new LeakDetector({ kind: 'fds', transientSeconds: w });
        let t0 = NaN;
        for (const [t, v, lim] of samples({
          shape,
          step,
          duration: 4 * H,
          limit,
          noise: 2,
          burst: 8,
          seed: 3,
        })) {
          if (Number.isNaN(t0)) t0 = t;
          if (d.push(t, v, lim).verdict === 'leak') return String(t - t0);
        }
        return '-';
      })
      .join('/')
      .padEnd(11),
  );
  console.log(`${name.padEnd(30)}${cells.join('')}`);
}
