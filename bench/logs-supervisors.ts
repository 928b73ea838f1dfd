/**
 * Log throughput against other supervisors: the child of bench/logs.ts (numbered 100-byte lines, as
 * fast as it can, exiting right after its last write) run by PM2, by supervisord and by Vigil's real
 * daemon, side by side with `> file` and with ServiceLogs alone. Each daemon is private (own home,
 * socket, temp dir) and started before the clock; the clock runs from the writer's appearance in
 * /proc to the last growth of its log file. The daemon's CPU and RSS are sampled from /proc every
 * 100 ms. Every line is checked (count, order, checksum).
 *
 * Run: npx tsx bench/logs-supervisors.ts [--gib 1] [--rounds 3] [--only vigil,cat]
 * (after `cd bench && npm install`)
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { VigilClient } from '../src/client/client.js';
import {
  benchLogs,
  directToFile,
  viaCat,
  viaServiceLogs,
  writerCommand,
  type BenchRow,
  type Contender,
  type ContenderRun,
} from './logs.js';
import { cpuMs, descendantsOf, isAlive, nowMs, pidsWithArg, readArgv, rssBytes, sleep } from './procfs.js';
import { run } from './tools.js';

const LINE = 100;
const here = dirname(fileURLToPath(import.meta.url));
const repo = dirname(here);
const requireHere = createRequire(import.meta.url);
const WRITER = 'numbered.py';

async function runOk(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await run(cmd, args, env);
  if (r.code !== 0)
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

async function waitDead(pid: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && isAlive(pid)) await sleep(20);
}

/** SIGKILL to a daemon, its descendants and any writer left over from this run (the dir is in argv). */
async function killAll(rootPid: number, tag: string): Promise<void> {
  const pids = rootPid > 0 && isAlive(rootPid) ? [rootPid, ...descendantsOf(rootPid)] : [];
  for (const p of [...pids, ...pidsWithArg(tag)]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (rootPid > 0) await waitDead(rootPid, 2000);
}

function sizeOf(files: string[]): number {
  let n = 0;
  for (const f of files) {
    try {
      n += statSync(f).size;
    } catch {
      // not created yet
    }
  }
  return n;
}

/**
 * Watches one run under a daemon: finds the writer among the daemon's descendants (the clock starts
 * then), samples the daemon's CPU and RSS every 100 ms, and stops once the writer has exited and the
 * log holds every byte or has not grown for 1.5 s (lost lines). Wall time ends at the last growth.
 */
async function watch(
  daemonPid: number,
  logFiles: () => string[],
  bytes: number,
): Promise<Omit<ContenderRun, 'files' | 'child_cpu_s'>> {
  const rss_start = rssBytes(daemonPid);
  let rss_warm: number | undefined;
  let writer = 0;
  const seekUntil = Date.now() + 30_000;
  while (writer === 0) {
    if (Date.now() > seekUntil) throw new Error('the writer did not appear under the daemon within 30 s');
    writer = descendantsOf(daemonPid).find((p) => (readArgv(p) ?? []).some((a) => a.endsWith(WRITER))) ?? 0;
    if (writer === 0) await sleep(5);
  }
  const t0 = nowMs();
  const cpu0 = cpuMs(daemonPid);
  let peak = rss_start;
  let lastSample = t0;
  let size = 0;
  let lastGrowth = t0;
  for (;;) {
    const now = nowMs();
    if (now - lastSample >= 100) {
      peak = Math.max(peak, rssBytes(daemonPid));
      lastSample = now;
    }
    const s = sizeOf(logFiles());
    if (s !== size) {
      size = s;
      lastGrowth = now;
    }
    // RSS once a tenth is logged: growth after it is what logging costs per byte, not start-up.
    if (rss_warm === undefined && size >= bytes / 10) rss_warm = rssBytes(daemonPid);
    const writerGone = !isAlive(writer);
    if (writerGone && (size >= bytes || now - lastGrowth > 1500)) break;
    if (now - t0 > 300_000) throw new Error('the run took more than 5 minutes');
    await sleep(size >= bytes ? 1 : 10);
  }
  const rss_end = rssBytes(daemonPid);
  return {
    wall_s: (lastGrowth - t0) / 1000,
    capturer: {
      cpu_s: (cpuMs(daemonPid) - cpu0) / 1000,
      rss_start,
      rss_peak: Math.max(peak, rss_end),
      rss_end,
      ...(rss_warm !== undefined ? { rss_warm } : {}),
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

/** PM2 from bench/node_modules, private PM2_HOME; the child in fork mode with autorestart off. */
export const viaPm2: Contender = {
  name: 'PM2',
  async run(lines, dir) {
    const home = join(dir, 'pm2-home');
    const bin = join(dirname(requireHere.resolve('pm2/package.json')), 'bin', 'pm2');
    const rusage = join(dir, 'child.rusage');
    const env = { ...process.env, PM2_HOME: home, PM2_DISCRETE_MODE: 'true' };
    const pm2 = (...a: string[]): Promise<string> => runOk(process.execPath, [bin, ...a], env);
    let daemon = 0;
    try {
      await pm2('ping');
      daemon = Number(readFileSync(join(home, 'pm2.pid'), 'utf8').trim());
      const [cmd, args] = writerCommand(lines);
      const eco = join(dir, 'bench.config.json');
      writeFileSync(
        eco,
        JSON.stringify({
          apps: [
            {
              name: 'bench',
              script: args[0],
              args: args.slice(1),
              interpreter: cmd,
              cwd: dir,
              autorestart: false,
              env: { NUMBERED_RUSAGE: rusage },
            },
          ],
        }),
      );
      const started = pm2('start', eco);
      const logDir = join(home, 'logs');
      const outFiles = (): string[] =>
        existsSync(logDir)
          ? readdirSync(logDir)
              .filter((n) => n.endsWith('-out.log'))
              .map((n) => join(logDir, n))
          : [];
      const r = await watch(daemon, outFiles, lines * LINE);
      await started;
      const files = outFiles();
      if (files.length !== 1) throw new Error(`expected one out log in ${logDir}, found ${files.length}`);
      return { ...r, files, child_cpu_s: readRusage(rusage) };
    } finally {
      try {
        await pm2('kill');
      } catch {
        // SIGKILL below
      }
      await killAll(daemon, dir);
    }
  },
};

/** supervisord (Debian package), private config and socket, no rotation, no restart. */
export const viaSupervisord: Contender = {
  name: 'supervisord',
  async run(lines, dir) {
    const conf = join(dir, 'supervisord.conf');
    const sock = join(dir, 'supervisor.sock');
    const out = join(dir, 'bench.out.log');
    const rusage = join(dir, 'child.rusage');
    const [cmd, args] = writerCommand(lines);
    writeFileSync(
      conf,
      [
        '[unix_http_server]',
        `file=${sock}`,
        'chmod=0700',
        '[supervisord]',
        `logfile=${join(dir, 'supervisord.log')}`,
        `pidfile=${join(dir, 'supervisord.pid')}`,
        `childlogdir=${dir}`,
        'nodaemon=true',
        '[rpcinterface:supervisor]',
        'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
        '[supervisorctl]',
        `serverurl=unix://${sock}`,
        '[program:bench]',
        `command=${[cmd, ...args].join(' ')}`,
        `directory=${dir}`,
        'autostart=false',
        'autorestart=false',
        'startsecs=0',
        `stdout_logfile=${out}`,
        'stdout_logfile_maxbytes=0',
        'stdout_logfile_backups=0',
        `stderr_logfile=${join(dir, 'bench.err.log')}`,
        'stderr_logfile_maxbytes=0',
        `environment=NUMBERED_RUSAGE="${rusage}"`,
        '',
      ].join('\n'),
    );
    const d = spawn('supervisord', ['-c', conf], { stdio: 'ignore', detached: true });
    d.unref();
    const daemon = d.pid ?? 0;
    try {
      const until = Date.now() + 10_000;
      while ((await run('supervisorctl', ['-c', conf, 'pid'])).code !== 0) {
        if (Date.now() > until) throw new Error('supervisord did not answer within 10 s');
        await sleep(50);
      }
      const started = runOk('supervisorctl', ['-c', conf, 'start', 'bench']);
      const r = await watch(daemon, () => [out], lines * LINE);
      await started;
      return { ...r, files: [out], child_cpu_s: readRusage(rusage) };
    } finally {
      if (daemon > 0 && isAlive(daemon)) {
        process.kill(daemon, 'SIGTERM');
        await waitDead(daemon, 10_000);
      }
      await killAll(daemon, dir);
    }
  },
};

/** Vigil's daemon (bin/vigil.js, from dist/), own VIGIL_HOME; the service added through the API. */
export const viaVigilDaemon: Contender = {
  name: 'Vigil daemon',
  async run(lines, dir) {
    const home = join(dir, 'vigil-home');
    const rusage = join(dir, 'child.rusage');
    const vigil = (...a: string[]): Promise<string> =>
      runOk(process.execPath, [join(repo, 'bin', 'vigil.js'), ...a], { ...process.env, VIGIL_HOME: home });
    let daemon = 0;
    try {
      await vigil('up', '--port', '0', '--detach');
      daemon = (JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { pid: number }).pid;
      const [cmd, args] = writerCommand(lines);
      const client = new VigilClient({ home });
      const started = client.startNew({
        name: 'bench',
        command: [cmd, ...args],
        cwd: dir,
        env: { NUMBERED_RUSAGE: rusage },
        options: { restart: 'never', logs: { max_size: '2GiB' } },
      });
      const logDir = join(home, 'logs', 'bench');
      const outFiles = (): string[] => {
        if (!existsSync(logDir)) return [];
        const rotated = readdirSync(logDir)
          .map((n) => /^out\.log\.(\d+)$/.exec(n))
          .filter((m): m is RegExpExecArray => m !== null)
          .sort((a, b) => Number(b[1]) - Number(a[1]))
          .map((m) => join(logDir, m[0]));
        return [...rotated, join(logDir, 'out.log')];
      };
      const r = await watch(daemon, outFiles, lines * LINE);
      await started;
      return { ...r, files: outFiles(), child_cpu_s: readRusage(rusage) };
    } finally {
      try {
        if (daemon > 0 && isAlive(daemon)) await vigil('down');
        await waitDead(daemon, 10_000);
      } catch {
        // SIGKILL below
      }
      await killAll(daemon, dir);
    }
  },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** A markdown table: each run, then per contender the median rate (and % of `> file`) and the worst loss. */
export function formatComparison(rows: BenchRow[], lines: number): string {
  const f = (x: number | undefined, d = 1): string => (x === undefined ? '-' : x.toFixed(d));
  let out =
    '| contender | round | wall s | MB/s | lines intact | lost lines | writer CPU s | daemon CPU s | daemon RSS start / at 10% / peak / end MiB |\n';
  out += '|---|---|---|---|---|---|---|---|---|\n';
  for (const r of rows) {
    const rss =
      r.rss_start_mb === undefined
        ? '-'
        : `${f(r.rss_start_mb, 0)} / ${f(r.rss_warm_mb, 0)} / ${f(r.rss_peak_mb, 0)} / ${f(r.rss_end_mb, 0)}`;
    out += `| ${r.contender} | ${r.round} | ${f(r.wall_s, 2)} | ${f(r.mb_s, 0)} | ${r.intact ? 'yes' : `NO: ${r.problem}`} | ${lines - r.lines} | ${f(r.child_cpu_s, 2)} | ${f(r.cpu_s, 2)} | ${rss} |\n`;
  }
  const names = [...new Set(rows.map((r) => r.contender))];
  const base = median(rows.filter((r) => r.contender === names[0]).map((r) => r.mb_s));
  out += `\n| contender | median MB/s | % of ${names[0]} | runs intact | median daemon CPU s | max daemon RSS peak MiB | max RSS growth after 10% MiB |\n`;
  out += '|---|---|---|---|---|---|---|\n';
  for (const n of names) {
    const rs = rows.filter((r) => r.contender === n);
    const m = median(rs.map((r) => r.mb_s));
    const cpu = rs.every((r) => r.cpu_s !== undefined) ? median(rs.map((r) => r.cpu_s as number)) : undefined;
    const peak = rs.every((r) => r.rss_peak_mb !== undefined)
      ? Math.max(...rs.map((r) => r.rss_peak_mb as number))
      : undefined;
    const growth = rs.every((r) => r.rss_warm_mb !== undefined && r.rss_peak_mb !== undefined)
      ? Math.max(...rs.map((r) => (r.rss_peak_mb as number) - (r.rss_warm_mb as number)))
      : undefined;
    out += `| ${n} | ${f(m, 0)} | ${f((100 * m) / base, 0)}% | ${rs.filter((r) => r.intact).length} of ${rs.length} | ${f(cpu, 2)} | ${f(peak, 0)} | ${f(growth, 0)} |\n`;
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string, def: number): number => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : def;
  };
  const gib = arg('--gib', 1);
  const rounds = arg('--rounds', 3);
  const all = [directToFile, viaCat, viaServiceLogs, viaVigilDaemon, viaPm2, viaSupervisord];
  const oi = process.argv.indexOf('--only');
  // `--only vigil,cat`: contenders whose name contains one of the words; `> file` always runs first.
  const words = oi > 0 ? (process.argv[oi + 1] ?? '').toLowerCase().split(',') : null;
  const contenders = words
    ? [directToFile, ...all.slice(1).filter((c) => words.some((w) => c.name.toLowerCase().includes(w)))]
    : all;
  const bytes = Math.round(gib * 1024 ** 3);
  const lines = Math.floor(bytes / LINE);
  const pm2 = (requireHere('pm2/package.json') as { version: string }).version;
  const sv = (await run('supervisord', ['--version'])).stdout.trim();
  const t = Date.now();
  const rows = await benchLogs({
    bytes,
    rounds,
    contenders,
  });
  process.stdout.write(
    `${new Date().toISOString()}: ${(bytes / 2 ** 20).toFixed(0)} MiB (${lines} lines) per run, ${rounds} rounds, ` +
      `${cpus().length} CPUs, load ${loadavg()
        .map((x) => x.toFixed(1))
        .join(
          ' ',
        )}, PM2 ${pm2}, supervisord ${sv}, Node ${process.version}, ${((Date.now() - t) / 1000).toFixed(0)} s\n\n`,
  );
  process.stdout.write(formatComparison(rows, lines));
  process.exitCode = rows.every((r) => r.intact) ? 0 : 1;
}
