// Vigil against PM2 and supervisord, side by side in one run, every tool with its restart delay set to 0.
// Run: cd bench && npm install && npm run bench:supervisors   (see docs/bench-supervisors.md)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ChildWatcher,
  cpuMs,
  descendantsOf,
  fdCount,
  nowMs,
  pssBytes,
  readArgv,
  rssBytes,
  sleep,
  sleepSync,
} from './procfs.js';
import { Pm2, Supervisord, Vigil, daemonPids, removeDir, type ServiceSpec, type Tool } from './tools.js';

const num = (name: string, dflt: number) => {
  const v = process.env[name];
  return v && /^\d+$/.test(v) ? Number(v) : dflt;
};
const KILLS = num('BENCH_KILLS', 200);
const SERVICES = num('BENCH_SERVICES', 100);
const CYCLES = num('BENCH_CYCLES', 2000);
const CYCLE_CAP_S = num('BENCH_CYCLE_CAP_S', 60);
const START_ROUNDS = Math.max(1, num('BENCH_START_ROUNDS', 3));
/** Poll interval of /proc while waiting for a replacement process: the resolution of the crash figure. */
const POLL_MS = 0.5;
/** Pause after a replacement is seen before the next kill, so each kill meets a settled service. */
const BETWEEN_KILLS_MS = 50;
const SETTLE_MS = 3000;

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (d !== dirname(d)) {
    const pkg = join(d, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'vigil')
      return d;
    d = dirname(d);
  }
  throw new Error('cannot find the Vigil repository above bench/');
}

function which(cmd: string): string {
  return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
}

interface Sample {
  rss: number;
  fds: number;
  pids: number;
  /**
   * Processes of the tool that carry a service's command line but are not running it (yet): Vigil's
   * standbys. Not the daemon's memory, but memory the tool costs the machine: counted and shown apart.
   */
  waiting: number;
  waitingPss: number;
}

interface Result {
  tool: string;
  version: string;
  idle: Sample;
  loaded: Sample;
  /** Median over the rounds (null if a round did not get all running within 60 s). */
  startAllMs: number | null;
  startAllRounds: (number | null)[];
  startCliMs: number;
  crash: number[];
  crashTimeouts: number;
  /** Daemon CPU time per kill during the crash test. */
  crashCpuMs: number;
  before: Sample;
  after: Sample;
  peakFds: number;
  peakRss: number;
  runs: number;
  cycleWallS: number;
  /** Daemon CPU time per crash/restart cycle. */
  cycleCpuMs: number;
  toolRestarts: number | null;
}

const median = (xs: number[]) => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i]!;
}

async function benchTool(tool: Tool, dir: string, tag: string, sleepBin: string): Promise<Result> {
  const isService = (argv: string[]) => argv.some((a) => a.includes(tag));
  const cpu = () => daemonPids(tool.rootPid, isService).reduce((s, p) => s + cpuMs(p), 0);
  const sample = (): Sample => {
    const pids = daemonPids(tool.rootPid, isService);
    const waiting = descendantsOf(tool.rootPid).filter((p) => {
      const argv = readArgv(p) ?? [];
      return isService(argv) && basename(argv[0] ?? '') !== 'sleep';
    });
    return {
      rss: pids.reduce((s, p) => s + rssBytes(p), 0),
      fds: pids.reduce((s, p) => s + fdCount(p), 0),
      pids: pids.length,
      waiting: waiting.length,
      waitingPss: waiting.reduce((s, p) => s + pssBytes(p), 0),
    };
  };
  const log = (m: string) => process.stderr.write(`[${tool.name}] ${m}\n`);

  await tool.start();
  log(`daemon pid ${tool.rootPid}`);
  await sleep(SETTLE_MS);
  const idle = sample();

  // (2) N services, one CLI command, until every one runs the real program (past any exec wrapper).
  // Repeated START_ROUNDS times with new names (a first start each time), the median reported: one start
  // on a shared machine is mostly noise. The memory and fds with N services are sampled in the first round.
  const prefix = `3600.${tag}`;
  const isSleep = (argv: string[]) =>
    basename(argv[0] ?? '') === 'sleep' && (argv[1] ?? '').startsWith(prefix);
  const startRound = async (round: number): Promise<{ all: number | null; cli: number }> => {
    const roundPrefix = `${prefix}${round}`;
    const specs: ServiceSpec[] = Array.from({ length: SERVICES }, (_, i) => ({
      name: `r${round}s${String(i).padStart(3, '0')}`,
      argv: [sleepBin, `${roundPrefix}${String(i).padStart(4, '0')}`],
    }));
    const many = new ChildWatcher(tool.rootPid, (argv) => isSleep(argv) && argv[1]!.startsWith(roundPrefix));
    const t0 = nowMs();
    let cliDone = 0;
    let addError: unknown = null;
    const adding = tool.add(specs).then(
      () => (cliDone = nowMs() - t0),
      (err: unknown) => (addError = err ?? new Error('add failed')),
    );
    let all: number | null = null;
    for (let i = 0; nowMs() - t0 < 60_000 && !addError; i++) {
      if (many.scan().length >= SERVICES) {
        all = nowMs() - t0;
        break;
      }
      sleepSync(POLL_MS);
      if (i % 20 === 0) await new Promise((r) => setImmediate(r)); // let the CLI's pipes drain
    }
    await adding;
    if (addError) throw addError;
    log(
      `round ${round + 1}: ${SERVICES} services running after ${all?.toFixed(0)} ms (CLI returned after ${cliDone.toFixed(0)} ms)`,
    );
    return { all, cli: cliDone };
  };
  const rounds = [await startRound(0)];
  await sleep(SETTLE_MS);
  const loaded = sample();
  await tool.removeAll();
  await sleep(1000);
  for (let r = 1; r < START_ROUNDS; r++) {
    rounds.push(await startRound(r));
    await tool.removeAll();
    await sleep(1000);
  }
  const startAllRounds = rounds.map((r) => r.all);
  const startAllMs = startAllRounds.includes(null) ? null : median(startAllRounds as number[]);
  const startCliMs = median(rounds.map((r) => r.cli));

  // (1) SIGKILL → replacement process running.
  const marker = `${prefix}9999`;
  const one = new ChildWatcher(tool.rootPid, (argv) => isSleep(argv) && argv[1] === marker);
  await tool.add([{ name: 'crash', argv: [sleepBin, marker] }]);
  let current = 0;
  for (const until = Date.now() + 10_000; Date.now() < until && !current;) {
    current = one.scan()[0] ?? 0;
    sleepSync(1);
  }
  if (!current) throw new Error(`${tool.name}: the crash service never started`);
  await sleep(500);
  const crash: number[] = [];
  let crashTimeouts = 0;
  const crashCpu0 = cpu();
  for (let k = 0; k < KILLS; k++) {
    const old = current;
    one.forget(old);
    const t = nowMs();
    process.kill(old, 'SIGKILL');
    let next = 0;
    while (!next && nowMs() - t < 5000) {
      next = one.scan().find((p) => p !== old) ?? 0;
      if (!next) sleepSync(POLL_MS);
    }
    if (!next) {
      crashTimeouts++;
      for (const until = Date.now() + 10_000; Date.now() < until && !next; sleepSync(5))
        next = one.scan().find((p) => p !== old) ?? 0;
      if (!next) throw new Error(`${tool.name}: no replacement within 15 s after kill ${k + 1}`);
    } else crash.push(nowMs() - t);
    current = next;
    if ((k + 1) % 50 === 0) log(`${k + 1} kills, median so far ${median(crash).toFixed(2)} ms`);
    sleepSync(BETWEEN_KILLS_MS);
  }
  const crashCpuMs = (cpu() - crashCpu0) / KILLS;
  await tool.removeAll();
  await sleep(1000);

  // (5) Crash/restart cycles of a program that exits at once; each run appends one byte to a counter file.
  const before = sample();
  const counter = join(dir, `cycles-${tool.name}.count`);
  writeFileSync(counter, '');
  const size = () => statSync(counter).size;
  await tool.add([{ name: 'cycle', argv: ['/bin/sh', '-c', 'printf x >>"$0"; exit 1', counter] }]);
  const c0 = Date.now();
  const cycleCpu0 = cpu();
  let peakFds = 0;
  let peakRss = 0;
  while (size() < CYCLES + 1 && Date.now() - c0 < CYCLE_CAP_S * 1000) {
    await sleep(200);
    const s = sample();
    peakFds = Math.max(peakFds, s.fds);
    peakRss = Math.max(peakRss, s.rss);
  }
  const cycleCpu = cpu() - cycleCpu0;
  await tool.stop('cycle');
  const cycleWallS = (Date.now() - c0) / 1000;
  const runs = size();
  const cycleCpuMs = cycleCpu / Math.max(1, runs - 1);
  log(`${runs - 1} restarts in ${cycleWallS.toFixed(1)} s`);
  await sleep(SETTLE_MS);
  const after = sample();
  const toolRestarts = await tool.restarts('cycle');
  return {
    tool: tool.name,
    version: tool.version(),
    idle,
    loaded,
    startAllMs,
    startAllRounds,
    startCliMs,
    crash,
    crashTimeouts,
    crashCpuMs,
    before,
    after,
    peakFds,
    peakRss,
    runs,
    cycleWallS,
    cycleCpuMs,
    toolRestarts,
  };
}

const MiB = 1024 * 1024;
const mb = (b: number) => (b / MiB).toFixed(1);
const ms = (x: number) => (Number.isNaN(x) ? 'n/a' : x < 100 ? x.toFixed(2) : x.toFixed(0));
const signed = (x: number, f: (x: number) => string) => (x >= 0 ? '+' : '−') + f(Math.abs(x));

function table(results: Result[]): string {
  const by = (name: string) => results.find((r) => r.tool === name);
  const cols = ['PM2', 'supervisord', 'Vigil'].map(by);
  const row = (label: string, f: (r: Result) => string) =>
    `| ${label} | ${cols.map((r) => (r ? f(r) : 'not run')).join(' | ')} |`;
  return [
    `| | ${cols.map((r, i) => (r ? `${r.tool} ${r.version}` : ['PM2', 'supervisord', 'Vigil'][i])).join(' | ')} |`,
    '|---|---|---|---|',
    row('crash → replacement running, median (ms)', (r) => ms(median(r.crash))),
    row('crash → replacement running, p95 (ms)', (r) => ms(quantile(r.crash, 0.95))),
    row('crash → replacement running, max (ms)', (r) => ms(Math.max(...r.crash))),
    row(
      'kills (replacement later than 5 s)',
      (r) => `${r.crash.length + r.crashTimeouts} (${r.crashTimeouts})`,
    ),
    row('daemon CPU time per crash → replacement (ms)', (r) => r.crashCpuMs.toFixed(2)),
    row(`${SERVICES} services: all running, median of ${START_ROUNDS} starts (s)`, (r) =>
      r.startAllMs === null ? 'not all within 60 s' : (r.startAllMs / 1000).toFixed(2),
    ),
    row(`${SERVICES} services: each start (s)`, (r) =>
      r.startAllRounds.map((x) => (x === null ? '>60' : (x / 1000).toFixed(2))).join(', '),
    ),
    row(`${SERVICES} services: the CLI command returned, median (s)`, (r) =>
      (r.startCliMs / 1000).toFixed(2),
    ),
    row('daemon RSS, no service (MiB)', (r) => mb(r.idle.rss)),
    row(`daemon RSS, ${SERVICES} services (MiB)`, (r) => mb(r.loaded.rss)),
    row(`daemon RSS growth, 0 → ${SERVICES} (MiB)`, (r) => signed(r.loaded.rss - r.idle.rss, mb)),
    row(`daemon fds, 0 → ${SERVICES} services`, (r) => `${r.idle.fds} → ${r.loaded.fds}`),
    row('daemon fds per service', (r) => ((r.loaded.fds - r.idle.fds) / SERVICES).toFixed(2)),
    row('daemon processes counted', (r) => String(r.idle.pids)),
    row(
      `processes waiting with ${SERVICES} services (standbys), total PSS`,
      (r) => `${r.loaded.waiting}, ${(r.loaded.waitingPss / 1048576).toFixed(1)} MiB`,
    ),
    row(
      `crash/restart cycles done (goal ${CYCLES}, cap ${CYCLE_CAP_S} s)`,
      (r) => `${r.runs - 1} in ${r.cycleWallS.toFixed(1)} s`,
    ),
    row('daemon CPU time per cycle (ms)', (r) => r.cycleCpuMs.toFixed(2)),
    row("the tool's own restart counter", (r) => (r.toolRestarts === null ? 'none' : String(r.toolRestarts))),
    row('daemon fds before → after cycles (peak)', (r) => `${r.before.fds} → ${r.after.fds} (${r.peakFds})`),
    row(
      'daemon RSS before → after cycles, MiB (peak)',
      (r) => `${mb(r.before.rss)} → ${mb(r.after.rss)} (${mb(r.peakRss)})`,
    ),
  ].join('\n');
}

interface Goal {
  goal: string;
  measured: string;
  /** 'partly': the measured part holds but the run could not do all of it (cycles capped by wall time). */
  met: boolean | null | 'partly';
}

function goals(results: Result[]): Goal[] {
  const pm2 = results.find((r) => r.tool === 'PM2');
  const sup = results.find((r) => r.tool === 'supervisord');
  const v = results.find((r) => r.tool === 'Vigil');
  if (!v) return [];
  const out: Goal[] = [];
  const vMed = median(v.crash);
  const vP95 = quantile(v.crash, 0.95);
  out.push({
    goal: 'crash → replacement no slower than PM2 (median), p95 under 10 ms',
    measured: `median ${ms(vMed)} ms vs PM2 ${pm2 ? ms(median(pm2.crash)) : 'n/a'} ms; p95 ${ms(vP95)} ms`,
    met: pm2 ? vMed <= median(pm2.crash) && vP95 < 10 : null,
  });
  const others = [pm2, sup]
    .filter((r): r is Result => !!r && r.startAllMs !== null)
    .map((r) => r.startAllMs!);
  const best = others.length ? Math.min(...others) : NaN;
  out.push({
    goal: `${SERVICES} services running in half the best of the two`,
    measured: `${v.startAllMs === null ? 'n/a' : (v.startAllMs / 1000).toFixed(2)} s vs half of ${(best / 1000).toFixed(2)} s = ${(best / 2000).toFixed(2)} s`,
    met: others.length && v.startAllMs !== null ? v.startAllMs <= best / 2 : null,
  });
  const growth = (v.loaded.rss - v.idle.rss) / MiB;
  out.push({
    goal: `daemon memory below PM2's at ${SERVICES} services`,
    measured: `${mb(v.loaded.rss)} MiB vs PM2 ${pm2 ? mb(pm2.loaded.rss) : 'n/a'} MiB`,
    met: pm2 ? v.loaded.rss < pm2.loaded.rss : null,
  });
  out.push({
    goal: `daemon memory growing by under 10 MB from 0 to ${SERVICES} services`,
    measured: `${signed(growth * MiB, mb)} MiB`,
    met: (growth * MiB) / 1e6 < 10,
  });
  const perSvc = (v.loaded.fds - v.idle.fds) / SERVICES;
  out.push({ goal: 'at most 5 daemon fds per service', measured: perSvc.toFixed(2), met: perSvc <= 5 });
  const dFds = v.after.fds - v.before.fds;
  const dRss = (v.after.rss - v.before.rss) / MiB;
  out.push({
    goal: 'flat fds (±2) and memory (< 5 MiB growth) across the cycles',
    measured: `${v.runs - 1} cycles: fds ${signed(dFds, String)}, RSS ${signed(dRss * MiB, mb)} MiB`,
    met: Math.abs(dFds) <= 2 && dRss < 5 ? (v.runs - 1 >= CYCLES ? true : 'partly') : false,
  });
  return out;
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${availableParallelism()} cores (${cpu}), Linux ${release()}, Node ${process.version}`;
}

async function main(): Promise<void> {
  const root = repoRoot();
  const tag = String(100000 + Math.floor(Math.random() * 900000));
  const dir = mkdtempSync(join(tmpdir(), `vigil-bench-${tag}-`));
  const sleepBin = which('sleep');
  const want = (process.env.BENCH_TOOLS ?? 'pm2,supervisord,vigil').split(',');
  const tools: Tool[] = [];
  if (want.includes('pm2')) tools.push(new Pm2(dir, tag));
  if (want.includes('supervisord')) tools.push(new Supervisord(dir, tag));
  if (want.includes('vigil')) tools.push(new Vigil(dir, tag, root));
  let active: Tool | null = null;
  const cleanup = async () => {
    if (active) await active.shutdown();
    removeDir(dir);
  };
  const onSignal = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const started = new Date();
  const load0 = loadavg()[0]!;
  const results: Result[] = [];
  try {
    for (const tool of tools) {
      active = tool;
      try {
        results.push(await benchTool(tool, dir, tag, sleepBin));
      } finally {
        await tool.shutdown();
        active = null;
      }
    }
  } finally {
    await cleanup();
  }
  const wallS = (Date.now() - started.getTime()) / 1000;
  const g = goals(results);
  const md = [
    '# Vigil vs PM2 vs supervisord',
    '',
    `Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine()}; ` +
      `load average ${load0.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at the end; run took ${wallS.toFixed(0)} s.`,
    `Every tool with its restart delay set to 0. ${KILLS} kills; ${SERVICES} services; ` +
      `${CYCLES} cycles capped at ${CYCLE_CAP_S} s per tool; /proc polled every ${POLL_MS} ms. ` +
      'Reproduce: `cd bench && npm install && npm run bench:supervisors` (see docs/bench-supervisors.md).',
    '',
    table(results),
    '',
    '## Vigil against the goals',
    '',
    '| goal | measured | met |',
    '|---|---|---|',
    ...g.map((x) => {
      const met =
        x.met === null
          ? 'n/a'
          : x.met === 'partly'
            ? `flat over the cycles done, but fewer than ${CYCLES} within the cap`
            : x.met
              ? 'yes'
              : '**no**';
      return `| ${x.goal} | ${x.measured} | ${met} |`;
    }),
    '',
  ].join('\n');
  process.stdout.write(md);
  const out = process.env.BENCH_OUT ?? join(root, 'bench', 'results', 'supervisors.md');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, md);
  process.stderr.write(`written to ${out}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
