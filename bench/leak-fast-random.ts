// False alarms with a short warm-up setting (30, 60 or 120 s) on random healthy series: steady (any
// level, noise, bursts) or a GC sawtooth whose period is under a third of the setting and at least
// 2.5 sampling intervals, 6 hours at 1, 2, 5, 15 or 60 s. Prints each false alarm and the count.
// Run: npx tsx bench/leak-fast-random.ts [SEED]
import { LeakDetector } from '../src/leak/detector.js';
import { prng, samples, shapes as S } from '../test/unit/leak/synthetic.js';

const seed = Number(process.argv[2] ?? 1);
const rnd = prng(seed);
let falseAlarms = 0;
const N = 150;
for (let i = 0; i < N; i++) {
  const limit = [256, 1024, 4096][Math.floor(rnd() * 3)]!;
  const level = limit * (0.05 + 0.9 * rnd());
  const noise = rnd() * 0.03 * limit;
  const burst = rnd() < 0.5 ? rnd() * 0.1 * limit : 0;
  const step = [1, 2, 5, 15, 60][Math.floor(rnd() * 5)]!;
  const warmup = [30, 60, 120][Math.floor(rnd() * 3)]!;
  const periodic = rnd() < 0.4 && 2.5 * step <= warmup / 3;
  const period = Math.max(2.5 * step, (warmup / 3) * (0.2 + 0.8 * rnd()));
  const amp = Math.max(0, Math.min(limit - level - 1, 0.3 * limit) * rnd());
  const shape = periodic ? S.gcSawtooth(level, amp, period) : S.flat(level);
  const d = new LeakDetector({ kind: 'fds', transientSeconds: warmup });
  let t0 = NaN;
  for (const [t, v, lim] of samples({
    shape,
    step,
    duration: 6 * 3600,
    limit,
    noise,
    burst,
    seed: seed * 1000 + i,
  })) {
    if (Number.isNaN(t0)) t0 = t;
    const r = d.push(t, v, lim);
    if (r.verdict === 'leak') {
      falseAlarms++;
      const what = periodic ? `sawtooth ${period.toFixed(1)} s × ${amp.toFixed(0)}` : 'steady';
      console.log(
        `false alarm at +${t - t0}s: ${what} at ${level.toFixed(0)}/${limit}, noise ${noise.toFixed(1)}, ` +
          `bursts ${burst.toFixed(0)}, ${step} s, warmup ${warmup} s (${r.reason})`,
      );
      break;
    }
  }
}
console.log(`seed ${seed}: ${N} healthy series, ${falseAlarms} false alarms`);
