import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORT, VigilClient } from '../../client/client.js';
import { ensureHome, homePaths, resolveHome } from '../../daemon/home.js';
import { runningDaemonPid } from '../../daemon/pidfile.js';
import { isLoopback } from '../../daemon/loopback.js';
import { VigilError } from '../../errors.js';
import { loginUrl } from '../../api/session.js';
import { intOption, jsonOption, parse } from '../args.js';
import type { Command } from '../command.js';
import { printJson, type CliIO } from '../output.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function portFrom(value: string | undefined): number {
  const explicit = intOption('port', value, 0, 65535);
  if (explicit !== undefined) return explicit;
  const env = process.env.VIGIL_PORT;
  if (env !== undefined && env !== '') {
    if (!/^\d+$/.test(env) || Number(env) > 65535)
      throw new VigilError('BAD_PORT', `VIGIL_PORT='${env}' is not a port number`);
    return Number(env);
  }
  return DEFAULT_PORT;
}

function printReady(io: CliIO, home: string, port: number, bind: string, pid: number, code: string): void {
  const host = isLoopback(bind) ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
  io.out(`Vigil daemon running (pid ${pid}, home ${home})\n`);
  // web: a one-time login link (single use, 10 minutes; `vigil dashboard` prints a fresh one).
  io.out(`Dashboard: ${loginUrl(host, port, code)}\n`);
  if (!isLoopback(bind)) {
    io.err(
      `warning: listening on ${bind}, beyond loopback. Prefer an SSH tunnel (ssh -L ${port}:127.0.0.1:${port} HOST) or a TLS-terminating proxy.\n`,
    );
  }
}

function printApply(io: CliIO, file: string, r: Awaited<ReturnType<VigilClient['apply']>>): void {
  const parts = [
    r.started.length && `started ${r.started.join(', ')}`,
    r.restarted.length && `restarted ${r.restarted.join(', ')}`,
    r.updated.length && `updated live ${r.updated.join(', ')}`,
    r.removed.length && `removed ${r.removed.join(', ')}`,
    r.scheduled?.length && `added on a schedule ${r.scheduled.join(', ')} (see 'vigil schedule')`,
  ].filter(Boolean);
  io.out(`Applied ${file}: ${parts.length ? parts.join('; ') : 'nothing to change'}\n`);
}

export const up: Command = {
  name: 'up',
  summary: 'start the daemon (foreground unless --detach), applying FILE if given',
  usage: 'vigil up [FILE] [--port N] [--bind ADDR] [--detach] [--json]',
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      { port: { type: 'string' }, bind: { type: 'string' }, detach: { type: 'boolean' }, ...jsonOption },
      1,
    );
    const home = resolveHome();
    const port = portFrom(values.port);
    const bind = values.bind ?? '127.0.0.1';
    const file = positionals[0] ? resolve(positionals[0]) : undefined;
    // Validate the file before starting anything: a wrong file changes nothing.
    // The config loader and the daemon are loaded only here: every other command starts without them.
    if (file) (await import('../../config/load.js')).loadConfigFile(file);
    const paths = ensureHome(home);
    const running = runningDaemonPid(paths.pid);
    if (running !== null) {
      if (!values.detach) {
        throw new VigilError(
          'DAEMON_RUNNING',
          `a Vigil daemon is already running for ${home} (pid ${running}); use 'vigil apply FILE' or 'vigil down'`,
        );
      }
      const client = new VigilClient({ home });
      io.out(`Vigil daemon already running for ${home} (pid ${running}).\n`);
      if (file) printApply(io, file, await client.apply(file, readFileSync(file, 'utf8')));
      return 0;
    }
    if (values.detach) return detach(io, home, port, bind, file, Boolean(values.json));

    const { runDaemon } = await import('../../daemon/run.js');
    const daemon = await runDaemon({ home, port, bind, echo: (l) => io.err(l) });
    const stopped = new Promise<void>((r) => daemon.once('stopped', () => r()));
    if (file) {
      try {
        printApply(io, file, await daemon.apply(file, readFileSync(file, 'utf8')));
      } catch (err) {
        await daemon.shutdown({ leaveRunning: false });
        throw err;
      }
    }
    printReady(io, home, daemon.opts.port, bind, process.pid, daemon.sessions.mintCode());
    io.out('Press Ctrl-C to stop the daemon and its services.\n');
    await stopped;
    return 0;
  },
};

async function detach(
  io: CliIO,
  home: string,
  port: number,
  bind: string,
  file: string | undefined,
  json: boolean,
): Promise<number> {
  const paths = homePaths(home);
  const outPath = `${paths.home}/daemon.out`;
  const out = openSync(outPath, 'w', 0o600);
  const bin = fileURLToPath(new URL('../../../../bin/vigil.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'up', '--port', String(port), '--bind', bind], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, VIGIL_HOME: home },
  });
  closeSync(out);
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? 1;
  });
  child.unref();
  const deadline = Date.now() + 20_000;
  let announced = false;
  while (Date.now() < deadline && exited === null) {
    try {
      const info = JSON.parse(readFileSync(paths.info, 'utf8')) as { pid: number; port: number };
      if (info.pid === child.pid) {
        const client = new VigilClient({ home, port: info.port });
        if (await client.ping()) {
          announced = true;
          port = info.port;
          break;
        }
      }
    } catch {
      // not yet
    }
    await sleep(50);
  }
  if (!announced) {
    let why = '';
    try {
      why = readFileSync(outPath, 'utf8').trim().split('\n').slice(-3).join(' | ');
    } catch {
      // nothing written
    }
    if (exited === null) child.kill('SIGTERM');
    throw new VigilError(
      'DAEMON_START_FAILED',
      `the daemon did not start${why ? `: ${why}` : ''} (see ${outPath})`,
    );
  }
  const client = new VigilClient({ home, port });
  const applied = file ? await client.apply(file, readFileSync(file, 'utf8')) : null;
  const { code } = await client.loginCode();
  if (json) {
    printJson(io, { pid: child.pid, port, home, url: loginUrl('127.0.0.1', port, code), applied });
    return 0;
  }
  if (file && applied) printApply(io, file, applied);
  printReady(io, home, port, bind, child.pid!, code);
  return 0;
}

export const down: Command = {
  name: 'down',
  summary: 'stop every service gracefully, then the daemon (--leave-running keeps services up)',
  usage: 'vigil down [--leave-running] [--json]',
  async run(args, io) {
    const { values } = parse(args, { 'leave-running': { type: 'boolean' }, ...jsonOption });
    const home = resolveHome();
    const pid = runningDaemonPid(homePaths(home).pid);
    if (pid === null) {
      if (values.json) printJson(io, { stopped: false, reason: 'not running' });
      else io.out(`No Vigil daemon is running for ${home}.\n`);
      return 0;
    }
    const client = new VigilClient({ home });
    await client.shutdown(Boolean(values['leave-running']));
    // Wait for the daemon process to go: it stops services first (each up to its grace period).
    const deadline = Date.now() + 10 * 60_000;
    while (runningDaemonPid(homePaths(home).pid) !== null && Date.now() < deadline) await sleep(50);
    if (values.json) printJson(io, { stopped: true, pid, leave_running: Boolean(values['leave-running']) });
    else
      io.out(
        values['leave-running']
          ? `Vigil daemon stopped (pid ${pid}); services left running — the next 'vigil up' takes them back.\n`
          : `Vigil daemon stopped (pid ${pid}) and its services.\n`,
      );
    return 0;
  },
};

export const apply: Command = {
  name: 'apply',
  summary: 'make the services declared in FILE match it',
  usage: 'vigil apply FILE [--json]',
  async run(args, io) {
    const { values, positionals } = parse(args, { ...jsonOption }, 1);
    if (!positionals[0]) throw new VigilError('USAGE', 'apply needs a FILE (a vigil.yaml)');
    const file = resolve(positionals[0]);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new VigilError('FILE_NOT_FOUND', `cannot read ${file}`);
    }
    const r = await new VigilClient().apply(file, text);
    if (values.json) printJson(io, r);
    else printApply(io, file, r);
    return 0;
  },
};

export const dashboard: Command = {
  name: 'dashboard',
  summary: 'print a fresh one-time login link to the web dashboard',
  usage: 'vigil dashboard [--json]',
  async run(args, io) {
    const { values } = parse(args, { ...jsonOption });
    const r = await new VigilClient().loginCode();
    if (values.json) printJson(io, r);
    else io.out(`Dashboard: ${r.url}\n(works once, for ${Math.round(r.expires_in_s / 60)} minutes)\n`);
    return 0;
  },
};
