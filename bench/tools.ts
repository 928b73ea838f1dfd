// The three supervisors under test, each driven through its own CLI with its restart delay set to 0.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { descendantsOf, isAlive, pidsWithArg, readArgv, sleep } from './procfs.js';

/** One service the bench asks a tool to run. */
export interface ServiceSpec {
  name: string;
  argv: string[];
}

/** What the bench needs from a supervisor. */
export interface Tool {
  readonly name: string;
  version(): string;
  /** Starts the daemon with no service and returns its pid. */
  start(): Promise<number>;
  /** The daemon's pid (the process that forks the services). */
  readonly rootPid: number;
  /** Adds and starts services with one CLI command; resolves when the command has returned. */
  add(services: ServiceSpec[]): Promise<void>;
  /** Stops one service, keeping its definition. */
  stop(name: string): Promise<void>;
  /** Stops and removes every service. */
  removeAll(): Promise<void>;
  /** The tool's own count of restarts of a service (null if the tool keeps none). */
  restarts(name: string): Promise<number | null>;
  /** Stops the daemon and everything it runs; never throws. */
  shutdown(): Promise<void>;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (asynchronously, so the bench can poll /proc meanwhile). */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function runOk(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await run(cmd, args, env);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout;
}

async function waitDead(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!isAlive(pid)) return true;
    await sleep(20);
  }
  return !isAlive(pid);
}

/** Last resort after a tool's own shutdown: SIGKILL to the daemon, its descendants and anything tagged. */
async function killEverything(rootPid: number, tag: string): Promise<void> {
  const pids = rootPid > 0 ? [rootPid, ...descendantsOf(rootPid)] : [];
  for (const p of [...pids, ...pidsWithArg(tag)]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (rootPid > 0) await waitDead(rootPid, 2000);
}

const requireHere = createRequire(import.meta.url);

/** PM2 (npm), from bench/node_modules, with its own PM2_HOME. */
export class Pm2 implements Tool {
  readonly name = 'PM2';
  rootPid = 0;
  private readonly home: string;
  private readonly bin: string;

  constructor(
    private readonly dir: string,
    private readonly tag: string,
  ) {
    this.home = join(dir, 'pm2-home');
    mkdirSync(this.home, { recursive: true });
    this.bin = join(dirname(requireHere.resolve('pm2/package.json')), 'bin', 'pm2');
  }

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, PM2_HOME: this.home, PM2_DISCRETE_MODE: 'true' };
  }

  private pm2(...args: string[]): Promise<string> {
    return runOk(process.execPath, [this.bin, ...args], this.env());
  }

  version(): string {
    return (requireHere('pm2/package.json') as { version: string }).version;
  }

  async start(): Promise<number> {
    await this.pm2('ping');
    this.rootPid = Number(readFileSync(join(this.home, 'pm2.pid'), 'utf8').trim());
    return this.rootPid;
  }

  async add(services: ServiceSpec[]): Promise<void> {
    const apps = services.map((s) => ({
      name: s.name,
      script: s.argv[0],
      args: s.argv.slice(1),
      interpreter: 'none',
      cwd: this.dir,
      autorestart: true,
      restart_delay: 0,
      min_uptime: 100, // PM2's floor: it raises anything lower to 100 ms with a warning
      max_restarts: 1_000_000_000,
    }));
    const file = join(this.dir, `pm2-${Date.now()}.config.json`);
    writeFileSync(file, JSON.stringify({ apps }));
    await this.pm2('start', file);
  }

  async stop(name: string): Promise<void> {
    await this.pm2('stop', name);
  }

  async removeAll(): Promise<void> {
    await this.pm2('delete', 'all');
  }

  async restarts(name: string): Promise<number | null> {
    const list = JSON.parse(await this.pm2('jlist')) as { name: string; pm2_env: { restart_time: number } }[];
    return list.find((a) => a.name === name)?.pm2_env.restart_time ?? null;
  }

  async shutdown(): Promise<void> {
    try {
      if (this.rootPid > 0 && isAlive(this.rootPid)) await this.pm2('kill');
    } catch {
      // fall through to SIGKILL
    }
    await killEverything(this.rootPid, this.tag);
  }
}

/** supervisord (Debian package), a private instance: own config, unix socket and logs in the temp dir. */
export class Supervisord implements Tool {
  readonly name = 'supervisord';
  rootPid = 0;
  private readonly conf: string;
  private readonly programs: string;
  private readonly log: string;
  private defined: ServiceSpec[] = [];

  constructor(
    private readonly dir: string,
    private readonly tag: string,
  ) {
    const d = join(dir, 'supervisord');
    mkdirSync(join(d, 'programs'), { recursive: true });
    mkdirSync(join(d, 'logs'), { recursive: true });
    this.conf = join(d, 'supervisord.conf');
    this.programs = join(d, 'programs', 'bench.conf');
    this.log = join(d, 'supervisord.log');
    writeFileSync(
      this.conf,
      [
        '[unix_http_server]',
        `file=${join(d, 'supervisor.sock')}`,
        'chmod=0700',
        '[supervisord]',
        `logfile=${this.log}`,
        `pidfile=${join(d, 'supervisord.pid')}`,
        `childlogdir=${join(d, 'logs')}`,
        'nodaemon=true',
        'user=root',
        '[rpcinterface:supervisor]',
        'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
        '[supervisorctl]',
        `serverurl=unix://${join(d, 'supervisor.sock')}`,
        '[include]',
        `files = ${join(d, 'programs', '*.conf')}`,
        '',
      ].join('\n'),
    );
    writeFileSync(this.programs, '');
  }

  private ctl(...args: string[]): Promise<string> {
    return runOk('supervisorctl', ['-c', this.conf, ...args]);
  }

  version(): string {
    return spawnSync('supervisord', ['--version'], { encoding: 'utf8' }).stdout.trim();
  }

  async start(): Promise<number> {
    const child = spawn('supervisord', ['-c', this.conf], { stdio: 'ignore', detached: true });
    child.unref();
    this.rootPid = child.pid ?? 0;
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if ((await run('supervisorctl', ['-c', this.conf, 'pid'])).code === 0) return this.rootPid;
      await sleep(50);
    }
    throw new Error('supervisord did not answer within 10 s');
  }

  private writePrograms(): void {
    const quote = (a: string) => (/^[\w./:=-]+$/.test(a) ? a : `'${a.replace(/'/g, `'"'"'`)}'`);
    const sections = this.defined.map((s) =>
      [
        `[program:${s.name}]`,
        `command=${s.argv.map(quote).join(' ')}`,
        `directory=${this.dir}`,
        'autostart=true',
        'autorestart=true',
        'startsecs=0',
        'startretries=1000000',
        'stopwaitsecs=5',
        '',
      ].join('\n'),
    );
    writeFileSync(this.programs, sections.join('\n'));
  }

  async add(services: ServiceSpec[]): Promise<void> {
    this.defined.push(...services);
    this.writePrograms();
    await this.ctl('update');
  }

  async stop(name: string): Promise<void> {
    await this.ctl('stop', name);
  }

  async removeAll(): Promise<void> {
    this.defined = [];
    this.writePrograms();
    await this.ctl('update');
  }

  /** supervisord keeps no restart counter: its log's "spawned:" lines for the program, minus the first. */
  async restarts(name: string): Promise<number | null> {
    const text = existsSync(this.log) ? readFileSync(this.log, 'utf8') : '';
    const spawned = text.split('\n').filter((l) => l.includes(`spawned: '${name}' with pid`)).length;
    return spawned > 0 ? spawned - 1 : 0;
  }

  async shutdown(): Promise<void> {
    if (this.rootPid > 0 && isAlive(this.rootPid)) {
      try {
        process.kill(this.rootPid, 'SIGTERM');
      } catch {
        // gone
      }
      await waitDead(this.rootPid, 10_000);
    }
    await killEverything(this.rootPid, this.tag);
  }
}

/** Vigil, from this repository's build (dist/), in its own VIGIL_HOME on a free port. */
export class Vigil implements Tool {
  readonly name = 'Vigil';
  rootPid = 0;
  private readonly home: string;
  private readonly file: string;
  private defined: ServiceSpec[] = [];

  constructor(
    private readonly dir: string,
    private readonly tag: string,
    private readonly repoRoot: string,
  ) {
    this.home = join(dir, 'vigil-home');
    this.file = join(dir, 'vigil.yaml');
  }

  private vigil(...args: string[]): Promise<string> {
    return runOk(process.execPath, [join(this.repoRoot, 'bin', 'vigil.js'), ...args], {
      ...process.env,
      VIGIL_HOME: this.home,
    });
  }

  version(): string {
    const pkg = JSON.parse(readFileSync(join(this.repoRoot, 'package.json'), 'utf8')) as { version: string };
    const rev = spawnSync('git', ['-C', this.repoRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
    return `${pkg.version}${rev.status === 0 ? ` (${rev.stdout.trim()})` : ''}`;
  }

  async start(): Promise<number> {
    await this.vigil('up', '--port', '0', '--detach');
    this.rootPid = (JSON.parse(readFileSync(join(this.home, 'daemon.json'), 'utf8')) as { pid: number }).pid;
    return this.rootPid;
  }

  /** The services as a vigil.yaml (JSON is YAML); durations are milliseconds in the current schema. */
  private writeFile(): void {
    const services: Record<string, unknown> = {};
    for (const s of this.defined) {
      services[s.name] = {
        command: s.argv,
        cwd: this.dir,
        restart: 'always',
        backoff: { initial: 0, max: 0, reset: 0 },
        min_uptime: 0,
      };
    }
    writeFileSync(this.file, JSON.stringify({ services }, null, 1));
  }

  async add(services: ServiceSpec[]): Promise<void> {
    this.defined.push(...services);
    this.writeFile();
    await this.vigil('apply', this.file);
  }

  async stop(name: string): Promise<void> {
    await this.vigil('stop', name);
  }

  async removeAll(): Promise<void> {
    this.defined = [];
    this.writeFile();
    await this.vigil('apply', this.file);
  }

  async restarts(name: string): Promise<number | null> {
    const list = JSON.parse(await this.vigil('ls', '--json')) as { name: string; restarts: number }[];
    return list.find((s) => s.name === name)?.restarts ?? null;
  }

  async shutdown(): Promise<void> {
    try {
      if (this.rootPid > 0 && isAlive(this.rootPid)) await this.vigil('down');
      await waitDead(this.rootPid, 10_000);
    } catch {
      // fall through to SIGKILL
    }
    await killEverything(this.rootPid, this.tag);
  }
}

/** Processes that belong to a daemon and are not services: the daemon and any helper it forked. */
export function daemonPids(rootPid: number, isService: (argv: string[]) => boolean): number[] {
  return [rootPid, ...descendantsOf(rootPid).filter((p) => !isService(readArgv(p) ?? []))];
}

/** Removes the bench's temp dir (best effort). */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
