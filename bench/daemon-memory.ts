// Where the Vigil daemon's memory goes, with no service and with N `sleep` services: RSS split into
// anonymous and file-backed pages (/proc/PID/status), threads, and the V8 heap by space from the daemon's
// own /metrics. Each variant is a fresh daemon (`vigil up` in the foreground, own VIGIL_HOME), measured
// like bench/supervisors.ts does: 3 s after start, and 3 s after all services run.
// Run: cd bench && npm run bench:daemon-memory   (BENCH_SERVICES=100; BENCH_SAMPLE_S=3)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { descendantsOf, readArgv, sleep } from './procfs.js';
import { removeDir } from './tools.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 100);
const SETTLE_MS = Number(process.env.BENCH_SAMPLE_S ?? 3) * 1000;
const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'bin', 'vigil.js');
const MiB = 1024 * 1024;

interface Variant {
  name: string;
  env: Record<string, string>;
}

const VARIANTS: Variant[] = [
  { name: "Vigil's daemon flags (default)", env: {} },
  {
    name: 'the same without --no-opt',
    env: { VIGIL_DAEMON_V8_FLAGS: '--optimize-for-size --semi-space-growth-factor=1' },
  },
  { name: "Node's defaults (VIGIL_DAEMON_V8_FLAGS='')", env: { VIGIL_DAEMON_V8_FLAGS: '' } },
];

type Row = Record<string, number>;

function status(pid: number): Row {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN) / 1024;
  return {
    'RSS (MiB)': kb('VmRSS'),
    '  anonymous': kb('RssAnon'),
    '  file-backed (node binary, libraries)': kb('RssFile'),
    threads: Number(/^Threads:\s+(\d+)/m.exec(text)?.[1]),
  };
}

async function heap(port: number, token: string): Promise<Row> {
  const text = await (
    await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } })
  ).text();
  const m = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN) / MiB;
  const row: Row = {
    'V8 heap reserved (MiB)': m(/^nodejs_heap_size_total_bytes (\d+)$/m),
    'V8 heap used': m(/^nodejs_heap_used_bytes (\d+)$/m),
  };
  for (const space of ['new', 'old', 'code', 'large_object'])
    row[`  ${space} space, size`] = m(
      new RegExp(`^nodejs_heap_space_size_total_bytes\\{space="${space}"\\} (\\d+)$`, 'm'),
    );
  row['external (buffers, typed arrays)'] = m(/^nodejs_external_memory_bytes (\d+)$/m);
  for (const space of ['new', 'old', 'code', 'large_object'])
    row[`  ${space} space, used`] = m(
      new RegExp(`^nodejs_heap_space_size_used_bytes\\{space="${space}"\\} (\\d+)$`, 'm'),
    );
  return row;
}

async function measure(v: Variant): Promise<{ idle: Row; loaded: Row }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-daemon-memory-'));
  const home = join(dir, 'home');
  const env = { ...process.env, VIGIL_HOME: home, ...v.env };
  let child: ChildProcess | null = null;
  try {
    child = spawn(process.execPath, [bin, 'up', '--port', '0'], { env, stdio: 'ignore' });
    let info: { pid: number; port: number } | null = null;
    for (let i = 0; i < 400 && !info; i++) {
      await sleep(50);
      try {
        info = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { pid: number; port: number };
      } catch {
        // not yet
      }
    }
    if (!info) throw new Error('the daemon did not start');
    const token = readFileSync(join(home, 'token'), 'utf8').trim();
    await sleep(SETTLE_MS);
    const idle = { ...status(info.pid), ...(await heap(info.port, token)) };
    const services = Object.fromEntries(
      Array.from({ length: SERVICES }, (_, i) => [
        `s${String(i).padStart(3, '0')}`,
        { command: ['sleep', `3600.${i}`], cwd: dir, restart: 'always' },
      ]),
    );
    const file = join(dir, 'vigil.yaml');
    writeFileSync(file, JSON.stringify({ services }));
    await new Promise<void>((resolve, reject) => {
      const c = spawn(process.execPath, [bin, 'apply', file], { env, stdio: 'ignore' });
      c.once('error', reject);
      c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`apply exited with ${code}`))));
    });
    const pid = info.pid;
    const running = () => descendantsOf(pid).filter((p) => readArgv(p)?.[0] === 'sleep').length;
    for (let i = 0; i < 600 && running() < SERVICES; i++) await sleep(50);
    await sleep(SETTLE_MS);
    const loaded = { ...status(info.pid), ...(await heap(info.port, token)) };
    return { idle, loaded };
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    removeDir(dir);
  }
}

async function main(): Promise<void> {
  const results: { v: Variant; idle: Row; loaded: Row }[] = [];
  for (const v of VARIANTS) {
    process.stderr.write(`measuring: ${v.name}\n`);
    results.push({ v, ...(await measure(v)) });
  }
  const keys = Object.keys(results[0]!.idle);
  const f = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
  const signed = (d: number) => {
    const r = Math.round(d * 10) / 10;
    return `${r >= 0 ? '+' : '−'}${f(Math.abs(r))}`;
  };
  const head = results.map((r) => `${r.v.name}: none → ${SERVICES}`);
  const lines = [`| | ${head.join(' | ')} |`, `|---|${head.map(() => '---|').join('')}`];
  for (const k of keys)
    lines.push(
      `| ${k} | ${results.map((r) => `${f(r.idle[k]!)} → ${f(r.loaded[k]!)} (${signed(r.loaded[k]! - r.idle[k]!)})`).join(' | ')} |`,
    );
  process.stdout.write(lines.join('\n') + '\n');
}

void main();
