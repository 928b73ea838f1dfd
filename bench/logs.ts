/**
 * Log capture throughput: a child writes numbered 100-byte lines (1 GiB by default) as fast as it
 * can; once straight into a file (`> file`, the physical limit) and once through ServiceLogs (FIFO,
 * non-blocking reader, rotation). Reports wall time, MB/s, the capturing process's CPU time and
 * RSS (sampled from /proc), and checks every line: count, order and a checksum of sequence numbers.
 *
 * Run: npx tsx bench/logs.ts [--gib 1] [--rounds 3]
 * Other supervisors can be compared by adding a Contender (see `directToFile`, `viaServiceLogs`).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  readdirSync,
  rmSync,
  createReadStream,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const LINE = 100;

// The repository, not bench/ (which has its own package.json for the competitors).
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'tsconfig.json'))) dir = dirname(dir);
  return dir;
}

/** The child's command: `numbered.py COUNT 100 10000` writes COUNT lines in 1 MB writes. */
export function writerCommand(lines: number): [string, string[]] {
  return [
    'python3',
    [join(repoRoot(), 'test', 'fixtures', 'logs', 'numbered.py'), String(lines), String(LINE), '10000'],
  ];
}

/** What one contender produced: where the lines ended up, and the capturing process's cost. */
export interface ContenderRun {
  wall_s: number;
  /** Files holding the output, oldest first. */
  files: string[];
  /** CPU time (user + system, s) of the writer child itself. */
  child_cpu_s?: number | undefined;
  /** The capturing process (daemon), when there is one; rss_warm: once a tenth of the bytes is logged. */
  capturer?: { cpu_s: number; rss_start: number; rss_peak: number; rss_end: number; rss_warm?: number };
}

/** A way of running the writer child and keeping its output. */
export interface Contender {
  name: string;
  run(lines: number, dir: string): Promise<ContenderRun>;
}

/** The child's stdout redirected straight into a file: the physical limit. */
export const directToFile: Contender = {
  name: 'direct > file',
  async run(lines, dir) {
    const path = join(dir, 'direct.out');
    const rusage = join(dir, 'child.rusage');
    const fd = openSync(path, 'w');
    const [cmd, args] = writerCommand(lines);
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, {
      stdio: ['ignore', fd, 'inherit'],
      env: { ...process.env, NUMBERED_RUSAGE: rusage },
    });
    closeSync(fd);
    await once(child, 'exit');
    const wall_s = Number(process.hrtime.bigint() - t0) / 1e9;
    return { wall_s, files: [path], child_cpu_s: readRusage(rusage) };
  },
};

/**
 * The child piped into `cat > file` by `sh` (a real pipe of the kernel's default size, 64 KiB; Node's
 * own 'pipe' stdio would be a socketpair): what a plain pipe to a file costs with no supervisor at
 * all. With `grow`, perl raises the pipe to 1 MiB (F_SETPIPE_SZ) and then execs the child. Wall time
 * until both have exited.
 */
function catContender(name: string, grow: boolean): Contender {
  return {
    name,
    async run(lines, dir) {
      const path = join(dir, 'cat.out');
      const rusage = join(dir, 'child.rusage');
      const [cmd, args] = writerCommand(lines);
      const grower = grow
        ? ['perl', '-e', 'fcntl(STDOUT, 1031, 1048576) or die "F_SETPIPE_SZ: $!"; exec @ARGV']
        : [];
      // sh -c SCRIPT OUT CMD ARGS…: "$0" is the output file, "$@" the writer.
      const script = `${grower.map((a) => `'${a}'`).join(' ')} "$@" | cat > "$0"`;
      const t0 = process.hrtime.bigint();
      const sh = spawn('sh', ['-c', script, path, cmd, ...args], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, NUMBERED_RUSAGE: rusage },
      });
      const [code] = (await once(sh, 'exit')) as [number | null];
      if (code !== 0) throw new Error(`${name}: sh exited with ${code}`);
      const wall_s = Number(process.hrtime.bigint() - t0) / 1e9;
      return { wall_s, files: [path], child_cpu_s: readRusage(rusage) };
    },
  };
}

/** `writer | cat > file` through the kernel's default 64 KiB pipe. */
export const viaCat: Contender = catContender('cat (64 KiB pipe) > file', false);
/** The same with the pipe grown to 1 MiB: what a larger pipe alone brings, with no supervisor. */
export const viaCatGrownPipe: Contender = catContender('cat (1 MiB pipe) > file', true);

/** Through ServiceLogs in a separate Node process (as in the daemon): FIFO, socket reader, rotation. */
export const viaServiceLogs: Contender = serviceLogsContender('vigil ServiceLogs', {});

/** ServiceLogs with pipes left at the kernel's default 64 KiB (growth off): what growing them brings. */
export const viaServiceLogsDefaultPipe: Contender = serviceLogsContender('ServiceLogs, 64 KiB pipe', {
  VIGIL_BENCH_PIPE: 'default',
});

function serviceLogsContender(name: string, env: NodeJS.ProcessEnv): Contender {
  return {
    name,
    run: (lines, dir) => runServiceLogs(lines, dir, env),
  };
}

async function runServiceLogs(lines: number, dir: string, env: NodeJS.ProcessEnv): Promise<ContenderRun> {
  const rusage = join(dir, 'child.rusage');
  const [cmd, args] = writerCommand(lines);
  const script = join(repoRoot(), 'bench', 'logs-capture.ts');
  const p = spawn(process.execPath, ['--import', 'tsx', script, dir, String(lines), rusage, cmd, ...args], {
    cwd: repoRoot(),
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(p, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`capture process exited with ${code}`);
  const r = JSON.parse(out.trim().split('\n').pop() as string) as {
    drained: boolean;
    wall_s: number;
    cpu_s: number;
    rss_start: number;
    rss_peak: number;
    rss_end: number;
    rss_warm?: number;
    mem_mib: unknown;
    loop_delay_ms: unknown;
  };
  if (!r.drained) throw new Error('ServiceLogs did not drain');
  console.error(JSON.stringify({ servicelogs_memory_mib: r.mem_mib, loop_delay_ms: r.loop_delay_ms }));
  const logDir = join(dir, 'logs', 'bench');
  const rotated = readdirSync(logDir)
    .map((n) => /^out\.log\.(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]))
    .map((m) => join(logDir, m[0]));
  return {
    wall_s: r.wall_s,
    files: [...rotated, join(logDir, 'out.log')],
    child_cpu_s: readRusage(rusage),
    capturer: {
      cpu_s: r.cpu_s,
      rss_start: r.rss_start,
      rss_peak: r.rss_peak,
      rss_end: r.rss_end,
      ...(r.rss_warm !== undefined ? { rss_warm: r.rss_warm } : {}),
    },
  };
}

function readRusage(path: string): number | undefined {
  try {
    const [u, s] = readFileSync(path, 'utf8').trim().split(' ').map(Number);
    return (u as number) + (s as number);
  } catch {
    return undefined;
  }
}

/** Checks numbered lines: each exactly 100 bytes, numbers 0…n-1 in order; also sums them. */
export async function verifyNumbered(
  files: string[],
  expected: number,
): Promise<{ lines: number; intact: boolean; problem?: string }> {
  let next = 0;
  let sum = 0;
  let carry = Buffer.alloc(0);
  let problem: string | undefined;
  for (const f of files) {
    for await (const chunk of createReadStream(f, {
      highWaterMark: 4 * 1024 * 1024,
    }) as AsyncIterable<Buffer>) {
      const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      let p = 0;
      for (; p + LINE <= buf.length; p += LINE) {
        let n = 0;
        for (let i = 0; i < 10; i++) n = n * 10 + ((buf[p + i] as number) - 48);
        if (n !== next || buf[p + LINE - 1] !== 10 || buf[p + 10] !== 32) {
          problem ??= `line ${next}: found ${JSON.stringify(buf.subarray(p, p + 20).toString())} in ${f}`;
        }
        sum += n;
        next++;
      }
      carry = Buffer.from(buf.subarray(p));
    }
  }
  if (carry.length) problem ??= `trailing ${carry.length} bytes`;
  const want = (expected * (expected - 1)) / 2;
  if (next !== expected) problem ??= `${next} lines, expected ${expected}`;
  if (sum !== want) problem ??= `checksum ${sum}, expected ${want}`;
  return { lines: next, intact: problem === undefined, ...(problem ? { problem } : {}) };
}

export interface BenchRow {
  contender: string;
  round: number;
  wall_s: number;
  mb_s: number;
  lines: number;
  intact: boolean;
  problem?: string;
  child_cpu_s?: number;
  cpu_s?: number;
  rss_start_mb?: number;
  rss_peak_mb?: number;
  rss_end_mb?: number;
  rss_warm_mb?: number;
}

/** Runs each contender `rounds` times (alternating), writing `bytes` each time; returns one row per run. */
export async function benchLogs(
  opts: { bytes?: number; rounds?: number; contenders?: Contender[] } = {},
): Promise<BenchRow[]> {
  const bytes = opts.bytes ?? 1024 ** 3;
  const lines = Math.floor(bytes / LINE);
  const contenders = opts.contenders ?? [directToFile, viaServiceLogs];
  const rows: BenchRow[] = [];
  for (let round = 1; round <= (opts.rounds ?? 3); round++) {
    for (const c of contenders) {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-logs-'));
      try {
        const r = await c.run(lines, dir);
        const v = await verifyNumbered(r.files, lines);
        const mb = 1e6;
        rows.push({
          contender: c.name,
          round,
          wall_s: r.wall_s,
          mb_s: (lines * LINE) / mb / r.wall_s,
          lines: v.lines,
          intact: v.intact,
          ...(v.problem ? { problem: v.problem } : {}),
          ...(r.child_cpu_s !== undefined ? { child_cpu_s: r.child_cpu_s } : {}),
          ...(r.capturer
            ? {
                cpu_s: r.capturer.cpu_s,
                rss_start_mb: r.capturer.rss_start / 2 ** 20,
                rss_peak_mb: r.capturer.rss_peak / 2 ** 20,
                rss_end_mb: r.capturer.rss_end / 2 ** 20,
                ...(r.capturer.rss_warm !== undefined ? { rss_warm_mb: r.capturer.rss_warm / 2 ** 20 } : {}),
              }
            : {}),
        });
        console.error(JSON.stringify(rows[rows.length - 1]));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  return rows;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
}

/** A markdown table of the runs, with the median rate of each contender relative to the first. */
export function formatBench(rows: BenchRow[]): string {
  const f = (x: number | undefined, d = 1): string => (x === undefined ? '-' : x.toFixed(d));
  let out =
    '| contender | round | wall s | MB/s | lines intact | writer CPU s | capturer CPU s | capturer RSS start/peak/end MiB |\n';
  out += '|---|---|---|---|---|---|---|---|\n';
  for (const r of rows)
    out += `| ${r.contender} | ${r.round} | ${f(r.wall_s, 2)} | ${f(r.mb_s, 0)} | ${r.intact ? `yes (${r.lines})` : `NO: ${r.problem}`} | ${f(r.child_cpu_s, 2)} | ${f(r.cpu_s, 2)} | ${r.rss_start_mb === undefined ? '-' : `${f(r.rss_start_mb, 0)} / ${f(r.rss_peak_mb, 0)} / ${f(r.rss_end_mb, 0)}`} |\n`;
  const names = [...new Set(rows.map((r) => r.contender))];
  const med = names.map((n) => median(rows.filter((r) => r.contender === n).map((r) => r.mb_s)));
  out +=
    '\nMedian rate: ' +
    names
      .map((n, i) => `${n} ${f(med[i], 0)} MB/s (${f((100 * (med[i] as number)) / (med[0] as number), 0)}%)`)
      .join(', ') +
    '\n';
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string, def: number): number => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : def;
  };
  const rows = await benchLogs({ bytes: arg('--gib', 1) * 1024 ** 3, rounds: arg('--rounds', 3) });
  process.stdout.write(formatBench(rows));
  process.exitCode = rows.every((r) => r.intact) ? 0 : 1;
}
