import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where a daemon keeps everything it writes: state database, logs, token, pid file. */
export interface HomePaths {
  home: string;
  db: string;
  token: string;
  pid: string;
  info: string;
  log: string;
  logs: string;
  run: string;
}

/** VIGIL_HOME, or ~/.vigil. */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.VIGIL_HOME && env.VIGIL_HOME.length > 0 ? env.VIGIL_HOME : join(homedir(), '.vigil'));
}

export function homePaths(home: string): HomePaths {
  return {
    home,
    db: join(home, 'state.db'),
    token: join(home, 'token'),
    pid: join(home, 'daemon.pid'),
    info: join(home, 'daemon.json'),
    log: join(home, 'daemon.log'),
    logs: join(home, 'logs'),
    run: join(home, 'run'),
  };
}

/** Creates the home folder, private to the user. */
export function ensureHome(home: string): HomePaths {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  chmodSync(home, 0o700);
  const p = homePaths(home);
  mkdirSync(p.logs, { recursive: true, mode: 0o700 });
  mkdirSync(p.run, { recursive: true, mode: 0o700 });
  return p;
}

/** A short stable id of a home, used to mark its services' processes (two homes never collide). */
export function homeId(home: string): string {
  let real = home;
  try {
    real = realpathSync(home);
  } catch {
    // not created yet
  }
  return createHash('sha256').update(real).digest('hex').slice(0, 12);
}

/** Reads the API token, creating it (mode 0600) at first start. */
export function loadOrCreateToken(path: string): string {
  try {
    const t = readFileSync(path, 'utf8').trim();
    if (t.length >= 32) {
      chmodSync(path, 0o600);
      return t;
    }
  } catch {
    // create below
  }
  const token = randomBytes(32).toString('base64url');
  writeFileSync(path, token + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return token;
}
