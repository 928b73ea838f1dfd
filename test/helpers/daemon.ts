import { spawn, type ChildProcess } from 'node:child_process';
import { after, before } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VigilClient } from '../../src/client/client.js';
import { homeId } from '../../src/daemon/home.js';
import { runtimeDirRecord } from '../../src/daemon/runtime-dir.js';
import { pidsWithEnv } from '../../src/supervisor/proc.js';
import { MARKER_KEY } from '../../src/supervisor/service.js';
import { STANDBY_KEY } from '../../src/supervisor/standby.js';
import { vigilBin } from './paths.js';

export interface TestDaemon {
  home: string;
  port: number;
  pid: number;
  client: VigilClient;
  token: string;
  /** Runs the `vigil` CLI against this daemon; resolves with its exit code and output. */
  cli(args: string[], opts?: { cwd?: string; env?: Record<string, string> }): Promise<CliResult>;
  /** Output the daemon process printed so far (its stderr/stdout). */
  output(): string;
  /** Stops the daemon (SIGTERM: services stopped gracefully) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the daemon with SIGKILL (services survive). */
  kill9(): Promise<void>;
  child: ChildProcess;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh temporary VIGIL_HOME (removed by `cleanupHome`). */
export function tempHome(prefix = 'vigil-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs the CLI with a given home. */
export function runCli(
  home: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vigilBin(), ...args], {
      cwd: opts.cwd,
      env: { ...process.env, VIGIL_HOME: home, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/**
 * Starts a real daemon (`vigil up` in the foreground, as a child process) in `home` (a new temporary one
 * by default) on a free port, and waits until it answers.
 */
export async function startDaemon(
  opts: { home?: string; args?: string[]; env?: Record<string, string> } = {},
): Promise<TestDaemon> {
  const home = opts.home ?? tempHome();
  let out = '';
  const child = spawn(process.execPath, [vigilBin(), 'up', '--port', '0', ...(opts.args ?? [])], {
    env: { ...process.env, VIGIL_HOME: home, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 20_000;
  let port = 0;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`daemon exited during start-up:\n${out}`);
    try {
      const info = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as {
        pid: number;
        port: number;
      };
      if (info.pid === child.pid && (await new VigilClient({ home, port: info.port }).ping())) {
        port = info.port;
        break;
      }
    } catch {
      // not yet
    }
    await sleep(25);
  }
  if (!port) {
    child.kill('SIGKILL');
    throw new Error(`daemon did not start within 20 s:\n${out}`);
  }
  const token = readFileSync(join(home, 'token'), 'utf8').trim();
  const waitExit = () =>
    new Promise<void>((resolve) => {
      if (exited || child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  return {
    home,
    port,
    pid: child.pid!,
    token,
    child,
    client: new VigilClient({ home, port }),
    cli: (args, o) => runCli(home, args, o),
    output: () => out,
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await waitExit();
    },
    async kill9() {
      if (!exited) child.kill('SIGKILL');
      await waitExit();
    },
  };
}

/**
 * One daemon for the tests of the enclosing describe block: started before them (and handed to `use`),
 * stopped after them, with its home removed.
 */
export function withDaemon(
  use: (d: TestDaemon) => void,
  opts: { home?: string; args?: string[]; env?: Record<string, string> } = {},
): void {
  let d: TestDaemon | undefined;
  before(async () => {
    d = await startDaemon(opts);
    use(d);
  });
  after(async () => {
    if (!d) return;
    await d.stop();
    cleanupHome(d.home);
  });
}

/** Kills every process still marked as a service (or standby) of this home (belt and braces), removes the home. */
export function cleanupHome(home: string): void {
  const id = homeId(home);
  for (const pid of [...pidsWithEnv(`${MARKER_KEY}=${id}/`), ...pidsWithEnv(`${STANDBY_KEY}=${id}/`)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  // The FIFO folder on the memory filesystem (a daemon killed with -9 leaves it; `down` removes it).
  try {
    const fifoDir = readFileSync(runtimeDirRecord(home), 'utf8').trim();
    if (fifoDir.startsWith('/dev/shm/')) rmSync(fifoDir, { recursive: true, force: true });
  } catch {
    // none recorded
  }
  rmSync(home, { recursive: true, force: true });
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes; returns the value or throws. */
export async function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  everyMs = 25,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Pids of live processes marked as service NAME of HOME (found by their environment, like the daemon does). */
export function processesOf(home: string, name: string): number[] {
  return pidsWithEnv(`${MARKER_KEY}=${homeId(home)}/${name}\0`);
}

/** Pids of the standbys waiting for service NAME of HOME. */
export function standbysOf(home: string, name: string): number[] {
  return pidsWithEnv(`${STANDBY_KEY}=${homeId(home)}/${name}\0`);
}
