import { readFileSync } from 'node:fs';
import { VigilError } from '../errors.js';

export interface Identity {
  uid: number;
  gid: number;
  name: string;
  home: string;
}

function readDb(path: string): string[][] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/**
 * Resolves `user` (name or uid) and optional `group` (name or gid) from /etc/passwd and /etc/group.
 * Switching identity needs a daemon running as root; asking for it otherwise is an error, not a silent no-op.
 */
export function resolveIdentity(
  service: string,
  user: string | undefined,
  group: string | undefined,
): Identity | null {
  if (user === undefined && group === undefined) return null;
  const euid = process.geteuid?.() ?? -1;
  const passwd = readDb('/etc/passwd');
  let pw: string[] | undefined;
  if (user !== undefined) {
    pw =
      passwd.find((f) => f[0] === user) ??
      (/^\d+$/.test(user) ? passwd.find((f) => f[2] === user) : undefined);
    if (!pw && !/^\d+$/.test(user))
      throw new VigilError('SPAWN_BAD_USER', `${service}: no such user '${user}'`);
  }
  const uid = pw ? Number(pw[2]) : user !== undefined ? Number(user) : (process.getuid?.() ?? 0);
  let gid = pw ? Number(pw[3]) : (process.getgid?.() ?? 0);
  if (group !== undefined) {
    const gr = readDb('/etc/group').find((f) => f[0] === group || (/^\d+$/.test(group) && f[2] === group));
    if (!gr && !/^\d+$/.test(group))
      throw new VigilError('SPAWN_BAD_GROUP', `${service}: no such group '${group}'`);
    gid = gr ? Number(gr[2]) : Number(group);
  }
  if (euid !== 0 && (uid !== euid || gid !== (process.getegid?.() ?? gid))) {
    throw new VigilError(
      'SPAWN_NEEDS_ROOT',
      `${service}: running as user '${user ?? uid}' needs a daemon started as root (this one runs as uid ${euid})`,
    );
  }
  return { uid, gid, name: pw?.[0] ?? String(uid), home: pw?.[5] ?? '/' };
}
