// One full sample of 50 processes holding ~1,000 descriptors each: CPU per descriptor for counting
// and for classification, event-loop delay while sampling, against lsof and a pidusage-style read.
// Run: npx tsx bench/probe.ts   (Linux only; needs python3, prlimit and lsof)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  countFds,
  fdDirSizeCounts,
  clearCommandCache,
  findTree,
  listProcesses,
  sampleService,
  isUnsupported,
  type SampleOptions,
} from '../src/probe/index.js';

const PROCS = Number(process.env.PROBE_BENCH_PROCS ?? 50);
const FILES = 500;
const PIPES = 150; // two fds each
const TCP = 200;
const RUNS = Number(process.env.PROBE_BENCH_RUNS ?? 5);
const holderPy = fileURLToPath(new URL('../test/fixtures/probe/holder.py', import.meta.url));

const children: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-probe-'));

function cleanup(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

async function spawnHolder(port: number, file: string): Promise<number> {
  const c = spawn(
    'prlimit',
    [
      '--nofile=2048:2048',
      '--',
      'python3',
      holderPy,
      '--files',
      String(FILES),
      '--file',
      file,
      '--pipes',
      String(PIPES),
    ].concat(['--tcp', String(TCP), '--connect', `127.0.0.1:${port}`, '--ttl', '600']),
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  children.push(c);
  await new Promise<void>((resolve, reject) => {
    const rl = createInterface({ input: c.stdout! });
    rl.once('line', () => {
      rl.close();
      resolve();
    });
    c.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return c.pid!;
}

/** Children's CPU time so far (cutime + cstime of /proc/self/stat), in µs: lsof runs as a child. */
function childCpuUs(hz: number): number {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[16 - 3]) + Number(f[17 - 3])) * 1e6) / hz;
}

interface Run {
  wall_ms: number;
  cpu_us: number;
  p99_ms: number;
  max_ms: number;
}

async function measure(fn: () => Promise<unknown>): Promise<Run> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  h.disable();
  return { wall_ms: wall, cpu_us: c.user + c.system, p99_ms: h.percentile(99) / 1e6, max_ms: h.max / 1e6 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function repeat(runs: number, fn: () => Promise<unknown>): Promise<Run> {
  const rs: Run[] = [];
  for (let i = 0; i < runs; i++) rs.push(await measure(fn));
  return {
    wall_ms: median(rs.map((r) => r.wall_ms)),
    cpu_us: median(rs.map((r) => r.cpu_us)),
    p99_ms: median(rs.map((r) => r.p99_ms)),
    // The worst of all runs, not the median.
    max_ms: Math.max(...rs.map((r) => r.max_ms)),
  };
}

async function main(): Promise<void> {
  const hz = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim()) || 100;
  // The peer of the TCP connections is another process (as a database server would be), so this
  // process's own heap and event loop carry none of them.
  const server = spawn(
    'prlimit',
    ['--nofile=16384:16384', '--', 'python3', holderPy, '--listen', '--ttl', '600'],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  children.push(server);
  const port = await new Promise<number>((resolve, reject) => {
    const rl = createInterface({ input: server.stdout! });
    rl.once('line', (l) => resolve((JSON.parse(l) as { port: number }).port));
    server.once('exit', (code) => reject(new Error(`server holder exited with ${code}`)));
  });
  const file = join(dir, 'held.dat');
  writeFileSync(file, 'x');

  const t0 = performance.now();
  const pids: number[] = [];
  for (let i = 0; i < PROCS; i += 10) {
    pids.push(
      ...(await Promise.all(Array.from({ length: Math.min(10, PROCS - i) }, () => spawnHolder(port, file)))),
    );
  }
  const spawnMs = performance.now() - t0;

  const loadBefore = loadavg();
  const counted = await sampleService(pids, { classify: false, pss: false });
  if (isUnsupported(counted)) throw new Error(counted.unsupported);
  const fds = counted.fds_total;

  const results: [string, Run, number][] = [];
  const add = (name: string, r: Run, per = fds): void => {
    results.push([name, r, per]);
  };

  // What the loop delay is with nothing to do, on this (possibly shared) machine.
  add(
    'idle baseline (no sampling, 100 ms)',
    await repeat(RUNS, () => new Promise((r) => setTimeout(r, 100))),
  );
  add(
    'count only (countFds per process)',
    await repeat(RUNS * 4, () => Promise.all(pids.map((p) => countFds(p)))),
  );
  const cheap: SampleOptions = { classify: false, pss: false };
  add(
    'first sample: counts + limits + status + cmdline',
    await repeat(RUNS * 4, () => {
      clearCommandCache();
      return sampleService(pids, cheap);
    }),
  );
  add('next samples (cmdline cached)', await repeat(RUNS * 4, () => sampleService(pids, cheap)));
  add(
    'sample + PSS (smaps_rollup)',
    await repeat(RUNS, () => sampleService(pids, { classify: false, pss: true })),
  );
  const full: SampleOptions = { classify: true, pss: true };
  add('full sample, classify (worker thread: default)', await repeat(RUNS, () => sampleService(pids, full)));
  add(
    'full sample, classify (async readlink)',
    await repeat(RUNS, () => sampleService(pids, { ...full, readlink: 'async' })),
  );
  add(
    'full sample, classify (sliced sync, 2 ms slices)',
    await repeat(RUNS, () => sampleService(pids, { ...full, readlink: 'sliced-sync' })),
  );
  add(
    'full sample, classify (sliced sync, 0.5 ms slices)',
    await repeat(RUNS, () => sampleService(pids, { ...full, readlink: 'sliced-sync', sliceMs: 0.5 })),
  );

  // lsof, as people script it: one run per process. Its CPU is the children's CPU time.
  const lsofRun = async (
    args: (pid: number) => string[],
    perPid: boolean,
  ): Promise<{ run: Run; lines: number }> => {
    let lines = 0;
    const c0 = childCpuUs(hz);
    const r = await measure(async () => {
      const batches = perPid ? pids.map((p) => args(p)) : [args(0)];
      for (const a of batches) {
        const out = await new Promise<string>((resolve) => {
          const c = spawn('lsof', a, { stdio: ['ignore', 'pipe', 'ignore'] });
          let s = '';
          c.stdout.setEncoding('utf8').on('data', (d: string) => (s += d));
          c.once('close', () => resolve(s));
        });
        lines += out.split('\n').length - 2;
      }
    });
    r.cpu_us += childCpuUs(hz) - c0; // plus lsof's own CPU (10 ms resolution)
    return { run: r, lines };
  };
  const lsof = spawnSync('lsof', ['-v']).error ? null : true;
  let lsofLines = 0;
  if (lsof) {
    const a = await lsofRun((p) => ['-p', String(p)], true);
    lsofLines = a.lines;
    add('lsof -p PID (each process)', a.run);
    add('lsof -n -P -p PID (each process)', (await lsofRun((p) => ['-n', '-P', '-p', String(p)], true)).run);
    add(
      'lsof -n -P -p PID,PID,… (one run)',
      (await lsofRun(() => ['-n', '-P', '-p', pids.join(',')], false)).run,
    );
  }
  // Finding a service's tree: every process's stat, plus every other process's environ for the marker.
  const all = await listProcesses();
  const machineProcs = isUnsupported(all) ? 1 : all.length;
  add(
    `findTree with marker, first walk (${machineProcs} processes on the machine)`,
    await repeat(1, () => findTree([server.pid!], { key: 'VIGIL_BENCH_MARKER', value: 'x' })),
    machineProcs,
  );
  add(
    `findTree with marker, next walks (environments cached)`,
    await repeat(RUNS, () => findTree([server.pid!], { key: 'VIGIL_BENCH_MARKER', value: 'x' })),
    machineProcs,
  );
  // pidusage reads /proc/PID/stat (and /proc/uptime) per process: it sees no descriptors.
  add(
    'pidusage-style: read /proc/PID/stat (per process)',
    await repeat(RUNS * 4, () => Promise.all(pids.map((p) => readFile(`/proc/${p}/stat`, 'utf8')))),
    pids.length,
  );

  const fullSample = await sampleService(pids, full);
  if (isUnsupported(fullSample)) throw new Error(fullSample.unsupported);

  console.log(
    `# probe bench: ${pids.length} processes, ${fds} fds in all (${Math.round(fds / pids.length)} each; ` +
      `${FILES} files, ${PIPES * 2} pipe ends, ${TCP} TCP connections), kernel ${release()}, ` +
      `${cpus().length} CPUs, ${cpus()[0]?.model ?? '?'}, node ${process.version}`,
  );
  console.log(
    `# load average before/after: ${loadBefore.map((x) => x.toFixed(2)).join(' ')} / ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `# st_size of /proc/PID/fd counts: ${fdDirSizeCounts()}; holders spawned in ${spawnMs.toFixed(0)} ms`,
  );
  if (lsof) console.log(`# lsof -p printed ${lsofLines} lines for ${fds} fds`);
  console.log('| measurement | wall ms | CPU µs | CPU µs per unit | loop delay p99 ms | loop delay max ms |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, r, per] of results) {
    const unit = per === fds ? 'fd' : per === pids.length ? 'process' : 'process listed';
    console.log(
      `| ${name} | ${r.wall_ms.toFixed(1)} | ${r.cpu_us.toFixed(0)} | ${(r.cpu_us / per).toFixed(3)} /${unit} | ` +
        `${r.p99_ms.toFixed(2)} | ${r.max_ms.toFixed(2)} |`,
    );
  }
  const c = fullSample.classified!;
  console.log(
    `# full sample: by_type ${JSON.stringify(c.by_type)}; top target ${c.top_targets[0]?.target} ×${c.top_targets[0]?.count}; ` +
      `by_remote[0] ${JSON.stringify(c.sockets.by_remote[0])}; yields ${fullSample.cost.yields}`,
  );
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    cleanup();
    // The server's accepted sockets and the children are gone; leave now.
    process.exit();
  });
