// Starting N services with one CLI command, repeated: the median of several rounds, so that a change to the
// start path can be judged on a shared machine (bench/supervisors.ts measures it once per tool).
// Each round uses new service names (a first start: new FIFOs, cgroups, log folders) and removes them after.
// Run: cd bench && npm run bench:start-many   (BENCH_SERVICES=100, BENCH_ROUNDS=7, BENCH_TOOLS=vigil)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildWatcher, nowMs, sleep, sleepSync } from './procfs.js';
import { Pm2, Supervisord, Vigil, removeDir, type ServiceSpec, type Tool } from './tools.js';
import { execFileSync } from 'node:child_process';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TOOLS = (process.env.BENCH_TOOLS ?? 'vigil').split(',');
const POLL_MS = 0.5;

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2 : NaN;
};

async function measure(
  tool: Tool,
  tag: string,
): Promise<{ all: number[]; cli: number[]; removed: number[] }> {
  const sleepBin = execFileSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim();
  const all: number[] = [];
  const cli: number[] = [];
  const removed: number[] = [];
  await tool.start();
  await sleep(2000);
  for (let r = 0; r < ROUNDS; r++) {
    const prefix = `3600.${tag}${r}`;
    const specs: ServiceSpec[] = Array.from({ length: SERVICES }, (_, i) => ({
      name: `r${r}s${String(i).padStart(3, '0')}`,
      argv: [sleepBin, `${prefix}${String(i).padStart(4, '0')}`],
    }));
    const w = new ChildWatcher(
      tool.rootPid,
      (argv) => basename(argv[0] ?? '') === 'sleep' && (argv[1] ?? '').startsWith(prefix),
    );
    const t0 = nowMs();
    let cliMs = 0;
    const adding = tool.add(specs).then(() => (cliMs = nowMs() - t0));
    let allMs = NaN;
    for (let i = 0; nowMs() - t0 < 60_000; i++) {
      if (w.scan().length >= SERVICES) {
        allMs = nowMs() - t0;
        break;
      }
      sleepSync(POLL_MS);
      if (i % 20 === 0) await new Promise((res) => setImmediate(res));
    }
    await adding;
    all.push(allMs);
    cli.push(cliMs);
    const r0 = nowMs();
    await tool.removeAll();
    removed.push(nowMs() - r0);
    process.stderr.write(
      `[${tool.name}] round ${r + 1}: all running ${allMs.toFixed(0)} ms, CLI ${cliMs.toFixed(0)} ms, ` +
        `all removed (CLI returned) ${removed.at(-1)!.toFixed(0)} ms\n`,
    );
    await sleep(1500);
  }
  await tool.shutdown();
  return { all, cli, removed };
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-start-many-'));
const tag = String(100000 + Math.floor(Math.random() * 900000));
try {
  for (const name of TOOLS) {
    const tool: Tool =
      name === 'pm2'
        ? new Pm2(dir, tag)
        : name === 'supervisord'
          ? new Supervisord(dir, tag)
          : new Vigil(dir, tag, repoRoot);
    const r = await measure(tool, tag);
    console.log(
      `${tool.name}: ${SERVICES} services, ${ROUNDS} rounds: all running median ${(median(r.all) / 1000).toFixed(3)} s ` +
        `(min ${(Math.min(...r.all) / 1000).toFixed(3)}, max ${(Math.max(...r.all) / 1000).toFixed(3)}); ` +
        `CLI returned median ${(median(r.cli) / 1000).toFixed(3)} s; removing them all: median ${(median(r.removed) / 1000).toFixed(3)} s`,
    );
  }
} finally {
  removeDir(dir);
}
