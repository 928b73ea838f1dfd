// A real fast leak, measured end to end: Python services opening a SQLite connection (WAL) 0.5 to 3
// times a second without closing it, under nofile 256, their descriptors counted from /proc every
// second and fed to detectors with a short warm-up setting. Prints when each alarm fired, the ETA it
// gave, and when the service actually hit EMFILE. Linux only; needs python3.
// Run: npx tsx bench/leak-sqlite.ts
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LeakDetector } from '../src/leak/detector.js';

const script = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'test',
  'fixtures',
  'leak',
  'sqlite_leak.py',
);
const dir = mkdtempSync(join(tmpdir(), 'vigil-leak-sqlite-'));
const WARMUPS = [30, 60];

async function measure(rate: number): Promise<string> {
  const child = spawn('python3', [script, String(rate), join(dir, `leak-${rate}.db`)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const detectors = WARMUPS.map((w) => ({
    w,
    d: new LeakDetector({ kind: 'fds', transientSeconds: w }),
    alarm: null as number | null,
    eta: null as number | null,
  }));
  const t0 = Date.now() / 1000;
  let emfile: number | null = null;
  while (emfile === null) {
    await new Promise((r) => setTimeout(r, 1000));
    const t = Date.now() / 1000;
    let open: number;
    try {
      open = readdirSync(`/proc/${child.pid}/fd`).length;
    } catch {
      break;
    }
    if (out.includes('died')) emfile = t - t0;
    for (const x of detectors) {
      const v = x.d.push(t, open, 256);
      if (v.verdict === 'leak' && x.alarm === null) {
        x.alarm = t - t0;
        x.eta = v.eta_t === null ? null : v.eta_t - t0;
      }
    }
  }
  child.kill();
  const cells = detectors.map((x) =>
    x.alarm === null
      ? `warmup ${x.w}s: no alarm`
      : `warmup ${x.w}s: alarm +${x.alarm.toFixed(0)}s (ETA +${x.eta?.toFixed(0)}s), margin ${(emfile! - x.alarm).toFixed(0)}s`,
  );
  return `${String(rate).padStart(3)} conn/s (${2 * rate} fds/s): EMFILE at +${emfile?.toFixed(0)}s; ${cells.join('; ')}`;
}

const lines = await Promise.all([0.5, 1, 2, 3].map(measure));
for (const l of lines) console.log(l);
rmSync(dir, { recursive: true, force: true });
