// Cost of LeakDetector.push per sample, and the detector's score on the public traces.
// Run: npx tsx bench/leak-push.ts   (from the repository root; traces expected in ../shared/traces)
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LeakDetector } from '../src/leak/detector.js';
import { replayTrace } from '../src/leak/replay.js';
import { parseTraceCsv } from '../src/leak/trace-csv.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A noisy fd series (healthy, or with a slow leak), one sample every `step` seconds for `hours`. */
function series(step: number, hours: number, leakPerHour: number): Float64Array {
  const n = Math.floor((hours * 3600) / step);
  const v = new Float64Array(n);
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < n; i++) v[i] = Math.round(200 + (i * step * leakPerHour) / 3600 + rnd() * 30);
  return v;
}

function bench(
  step: number,
  hours: number,
  leakPerHour: number,
  transientSeconds?: number,
): { pushes: number; usPerPush: number; p99: number; usMax: number } {
  const v = series(step, hours, leakPerHour);
  const t0 = 1767225600;
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const d = new LeakDetector({ kind: 'fds', transientSeconds });
    const start = performance.now();
    for (let i = 0; i < v.length; i++) d.push(t0 + i * step, v[i]!, 1 << 20);
    best = Math.min(best, ((performance.now() - start) * 1000) / v.length);
  }
  // A separate, timed-per-push run for the tail (the timer itself costs a little).
  const d = new LeakDetector({ kind: 'fds', transientSeconds });
  const each = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const a = performance.now();
    d.push(t0 + i * step, v[i]!, 1 << 20);
    each[i] = (performance.now() - a) * 1000;
  }
  const sorted = each.sort();
  return {
    pushes: v.length,
    usPerPush: best,
    p99: sorted[Math.floor(0.99 * (sorted.length - 1))]!,
    usMax: sorted[sorted.length - 1]!,
  };
}

console.log('push cost: mean of the best of 5 runs; p99 and max of single pushes (incl. re-fits, GC pauses)');
console.log('warm-up   series    interval  samples   µs/push  µs per hour of series  p99 µs  max µs');
// The default warm-up (90 min), then a short one (60 s), which adds the fast windows.
for (const warmup of [undefined, 60]) {
  for (const [name, leak] of [
    ['healthy', 0],
    ['leaking', 10],
  ] as const) {
    for (const [step, hours] of [
      [1, 24],
      [5, 48],
      [15, 72],
      [60, 7 * 24],
    ] as const) {
      const r = bench(step, hours, leak, warmup);
      console.log(
        `${(warmup === undefined ? 'default' : `${warmup} s`).padEnd(8)}  ` +
          `${name.padEnd(8)}  ${String(step).padStart(4)} s  ${String(r.pushes).padStart(8)}  ` +
          `${r.usPerPush.toFixed(2).padStart(8)}  ${((r.usPerPush * 3600) / step).toFixed(0).padStart(21)}  ` +
          `${r.p99.toFixed(1).padStart(6)}  ${r.usMax.toFixed(0).padStart(6)}`,
      );
    }
  }
}

// Score table, computed as ../shared/traces/score.py does (lead, ETA error, false alarms).
// The traces live beside the repository (../shared/traces), or one level up from a worktree.
const dir =
  [process.env.VIGIL_TRACES, join(root, '..', 'shared', 'traces'), join(root, '..', '..', 'shared', 'traces')]
    .filter((d): d is string => Boolean(d))
    .find((d) => existsSync(join(d, 'labels.json'))) ?? null;
if (dir === null) {
  console.log('\nno traces in ../shared/traces (or VIGIL_TRACES): score table skipped');
} else {
  interface Label {
    file: string;
    leak_metric: 'fds' | 'rss' | null;
    leak_start_t: number | null;
    exhaust_t: number | null;
  }
  const labels = (JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')) as { traces: Label[] }).traces;
  const leads: number[] = [];
  const errs: number[] = [];
  let caught = 0;
  let leaks = 0;
  let falseAlarms = 0;
  console.log('\ntrace                                   metric  result');
  for (const lab of labels) {
    const file = join(dir, lab.file);
    const res = replayTrace(parseTraceCsv(readFileSync(file, 'utf8'), lab.file));
    for (const m of ['fds', 'rss'] as const) {
      const a = res[m].first_alarm_t;
      const eta = res[m].eta_t_at_alarm;
      let line = '';
      if (lab.leak_metric === m) {
        leaks++;
        const s = lab.leak_start_t!;
        const x = lab.exhaust_t!;
        if (a !== null && s <= a && a < x) {
          caught++;
          const lead = (x - a) / (x - s);
          const err = eta === null ? 1 : Math.min(Math.abs(eta - x) / (x - a), 1);
          leads.push(lead);
          errs.push(err);
          line = `caught, lead ${lead.toFixed(2)} (${((x - a) / 3600).toFixed(1)} h before), ETA error ${err.toFixed(2)}`;
        } else {
          leads.push(0);
          if (a !== null && a < s) falseAlarms++;
          line = a !== null && a < s ? 'FALSE ALARM before the leak began' : 'MISSED';
        }
      } else if (a !== null) {
        falseAlarms++;
        line = 'FALSE ALARM';
      }
      if (line) console.log(`${lab.file.padEnd(40)}${m.padEnd(8)}${line}`);
    }
  }
  const median = (a: number[]) => {
    const s = [...a].sort((x, y) => x - y);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  console.log(
    `\nproject: caught ${caught}/${leaks}, false alarms ${falseAlarms}, median lead ${median(leads).toFixed(2)}, ` +
      `median ETA error ${median(errs).toFixed(3)}`,
  );
}
