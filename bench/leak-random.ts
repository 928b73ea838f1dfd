// Generality check: the detector on randomly drawn healthy and leaking series (shapes of issue 6 with
// random sizes, rates, limits, noise and sampling intervals), none of them the public traces.
// Run: npx tsx bench/leak-random.ts [SEED]   (seeded: the same seed gives the same series)
import { LeakDetector } from '../src/leak/detector.js';
import type { LeakKind } from '../src/leak/verdict.js';
import { prng, samples, shapes as S, type Shape } from '../test/unit/leak/synthetic.js';

const H = 3600;
const MiB = 2 ** 20;
const GiB = 2 ** 30;
const seed = Number(process.argv[2] ?? 1);
const rnd = prng(seed);
const U = (a: number, b: number) => a + (b - a) * rnd();
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
let n = 0;

interface Run {
  first: number | null;
  eta: number | null;
  end: number;
  step: number;
  reason: string;
}

function replay(
  shape: Shape,
  duration: number,
  limit: number,
  noise: number,
  kind: LeakKind,
  burst = 0,
): Run {
  n++;
  const d = new LeakDetector({ kind });
  const step = pick([1, 5, 15, 60]);
  let t0 = NaN;
  const out: Run = { first: null, eta: null, end: 0, step, reason: '' };
  const s = { shape, duration, limit, noise, burst, step, seed: seed * 1000 + n, integer: kind === 'fds' };
  for (const [t, v, lim] of samples(s)) {
    if (Number.isNaN(t0)) t0 = t;
    out.end = t - t0;
    const r = d.push(t, v, lim);
    if (r.verdict === 'leak' && out.first === null) {
      out.first = t - t0;
      out.eta = r.eta_t === null ? null : r.eta_t - t0;
      out.reason = r.reason;
    }
  }
  return out;
}

let falseAlarms = 0;
let healthy = 0;
const healthyCase = (
  name: string,
  shape: Shape,
  duration: number,
  limit: number,
  noise: number,
  kind: LeakKind,
  burst = 0,
) => {
  const r = replay(shape, duration, limit, noise, kind, burst);
  healthy++;
  if (r.first !== null) {
    falseAlarms++;
    console.log(`FALSE ALARM  ${name} (${r.step} s) at +${(r.first / H).toFixed(1)} h: ${r.reason}`);
  }
};

const leads: number[] = [];
const errors: number[] = [];
let missed = 0;
const leakCase = (
  name: string,
  shape: Shape,
  limit: number,
  noise: number,
  kind: LeakKind,
  start = 0,
  burst = 0,
) => {
  const r = replay(shape, 60 * 24 * H, limit, noise, kind, burst);
  if (r.first === null || r.first < start) {
    missed++;
    console.log(`${r.first === null ? 'MISSED' : 'EARLY '}       ${name} (${r.step} s)`);
    return;
  }
  const lead = (r.end - r.first) / (r.end - start);
  const err = r.eta === null ? 1 : Math.min(1, Math.abs(r.eta - r.end) / (r.end - r.first));
  leads.push(lead);
  errors.push(err);
  console.log(
    `caught       ${name.padEnd(34)} ${String(r.step).padStart(2)} s  life ${((r.end - start) / H).toFixed(1).padStart(5)} h` +
      `  lead ${lead.toFixed(2)}  ETA error ${err.toFixed(2)}`,
  );
};

for (let k = 0; k < 10; k++) {
  const w = U(10, 75) * 60;
  const size = U(100, 400);
  healthyCase(
    `warm-up ${(w / 60).toFixed(0)} min +${size.toFixed(0)}`,
    S.warmup(U(50, 300), size, w),
    24 * H,
    1024,
    U(2, 10),
    'fds',
    U(0, 40),
  );
  const st = U(50, 500);
  healthyCase(
    `step +${st.toFixed(0)}`,
    S.step(U(100, 400), st, U(1, 10) * H),
    24 * H,
    1024,
    U(2, 10),
    'fds',
    U(0, 40),
  );
  const ex = U(100, 400);
  healthyCase(
    `market hours +${ex.toFixed(0)}`,
    S.market(U(100, 250), ex),
    8 * 24 * H,
    1024,
    U(2, 10),
    'fds',
    U(0, 40),
  );
  const p = U(10, 120) * 60;
  healthyCase(
    `GC sawtooth ${(p / 60).toFixed(0)} min`,
    S.gcSawtooth(U(100, 250), U(100, 400), p),
    24 * H,
    1024,
    U(1, 6),
    'fds',
  );
  const tau = U(1, 6) * H;
  healthyCase(
    `heap plateau tau ${(tau / H).toFixed(1)} h`,
    S.plateau(100 * MiB, U(200, 600) * MiB, tau, U(30, 100) * MiB, U(300, 1200)),
    30 * H,
    GiB,
    U(1, 4) * MiB,
    'rss',
  );
}
for (let k = 0; k < 5; k++) {
  const rate = Math.exp(U(Math.log(20), Math.log(800)));
  const lim = pick([512, 1024, 4096]);
  leakCase(
    `linear ${rate.toFixed(0)}/h, limit ${lim}`,
    S.linear(lim * U(0.05, 0.4), rate),
    lim,
    U(2, 10),
    'fds',
    0,
    U(0, 40),
  );
  const every = U(2, 15) * 60;
  leakCase(
    `staircase +2 every ${(every / 60).toFixed(0)} min`,
    S.staircase(U(200, 600), 2, every),
    1024,
    U(1, 5),
    'fds',
    0,
    U(0, 20),
  );
  const ar = U(30, 200);
  const as = U(6, 36) * H;
  leakCase(
    `${ar.toFixed(0)}/h after ${(as / H).toFixed(0)} h`,
    S.linear(U(100, 300), ar, as),
    1024,
    U(2, 8),
    'fds',
    as,
    U(0, 30),
  );
  const mr = U(10, 200) * MiB;
  leakCase(
    `memory ${(mr / MiB).toFixed(0)} MiB/h`,
    S.memLeak(U(100, 300) * MiB, mr, U(30, 120) * MiB, U(300, 1200)),
    GiB,
    U(1, 4) * MiB,
    'rss',
  );
}

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
console.log(
  `\nseed ${seed}: healthy ${healthy}, false alarms ${falseAlarms}; leaks ${leads.length + missed}, missed ${missed}, ` +
    `median lead ${median(leads).toFixed(2)}, median ETA error ${median(errors).toFixed(3)}`,
);
