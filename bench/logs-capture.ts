/**
 * The capturing side of bench/logs.ts, in its own process like the daemon: captures the writer
 * child with ServiceLogs and prints one JSON line with wall time, its own CPU time, RSS (start,
 * once a tenth of the lines is captured, peak, end) measured over the capture only, and
 * process.memoryUsage() (rss, heapUsed, external, arrayBuffers) at those points, in MiB, and the
 * event loop's delay (perf_hooks, 1 ms resolution) during the capture.
 * usage: [VIGIL_BENCH_PIPE=default] node --import tsx bench/logs-capture.ts HOME LINES RUSAGE_FILE CMD ARGS...
 */
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ServiceLogs } from '../src/logs/index.js';
import { setPipeGrowth } from '../src/logs/pipe-size.js';

const [home, linesArg, rusage, cmd, ...args] = process.argv.slice(2);
const tenth = Number(linesArg) / 10;
// VIGIL_BENCH_PIPE=default keeps the kernel's 64 KiB pipe (to measure what growing it brings).
if (process.env.VIGIL_BENCH_PIPE === 'default') setPipeGrowth(false);
// Files of 100 MiB and enough kept that nothing is deleted: every line can then be checked.
const logs = new ServiceLogs({
  home: home as string,
  service: 'bench',
  options: { max_size: 100 * 1024 * 1024, keep: 50 },
});
type Mem = Record<'rss' | 'heapUsed' | 'external' | 'arrayBuffers', number>;
const mem = (): Mem => {
  const m = process.memoryUsage();
  const mib = (x: number): number => Math.round((x / 2 ** 20) * 10) / 10;
  return {
    rss: mib(m.rss),
    heapUsed: mib(m.heapUsed),
    external: mib(m.external),
    arrayBuffers: mib(m.arrayBuffers),
  };
};
const memStart = mem();
let memWarm: Mem | undefined;
const memPeak: Mem = { ...memStart };
let rssWarm: number | undefined;
const rss0 = process.memoryUsage.rss();
let peak = rss0;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
  const m = mem();
  for (const k of Object.keys(m) as (keyof Mem)[]) memPeak[k] = Math.max(memPeak[k], m[k]);
  if (memWarm === undefined && logs.stats().lines >= tenth) {
    memWarm = m;
    rssWarm = process.memoryUsage.rss();
  }
}, 50);
// How long the event loop is held (synchronous writes, 8 MiB bursts): what the API would wait.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const fds = logs.prepareSpawn();
spawn(cmd as string, args, {
  stdio: ['ignore', fds.stdout, fds.stderr],
  env: { ...process.env, NUMBERED_RUSAGE: rusage },
});
logs.afterSpawn();
const drained = await logs.waitDrained(600_000);
const wall_s = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
loopDelay.disable();
clearInterval(sampler);
const rss1 = process.memoryUsage.rss();
await logs.close();
const memEnd = mem();
process.stdout.write(
  JSON.stringify({
    drained,
    wall_s,
    cpu_s: (cpu.user + cpu.system) / 1e6,
    rss_start: rss0,
    rss_peak: Math.max(peak, rss1),
    rss_end: rss1,
    ...(rssWarm !== undefined ? { rss_warm: rssWarm } : {}),
    mem_mib: { start: memStart, at_10pct: memWarm, peak: memPeak, end: memEnd },
    loop_delay_ms: {
      p50: loopDelay.percentile(50) / 1e6,
      p99: loopDelay.percentile(99) / 1e6,
      max: loopDelay.max / 1e6,
    },
    stats: logs.stats(),
  }) + '\n',
);
