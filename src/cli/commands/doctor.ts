import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { ensureHome, resolveHome } from '../../daemon/home.js';
import { ownNofile } from '../../daemon/limits.js';
import { nativeSpawnStatus } from '../../supervisor/native-spawn.js';
import { detectCgroups } from '../../supervisor/cgroup.js';
import { jsonOption, parse } from '../args.js';
import type { Command } from '../command.js';
import { formatBytes, paint, printJson } from '../output.js';

export interface Check {
  check: string;
  status: 'ok' | 'warn' | 'fail';
  value: string;
  meaning: string;
}

function readNum(path: string): number | null {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return null;
  }
}

/** What this machine lets Vigil do, each with what it means for the user. */
export function runChecks(home: string): Check[] {
  const checks: Check[] = [];
  const nofile = ownNofile();
  checks.push({
    check: 'fd limit (hard)',
    status: nofile.hard >= 4096 ? 'ok' : 'warn',
    value: String(nofile.hard),
    meaning:
      nofile.hard >= 4096
        ? `services get soft 1024 by default and may be raised up to ${nofile.hard} with limits.nofile`
        : `services cannot be given more than ${nofile.hard} descriptors; raise the hard limit (ulimit -Hn, or LimitNOFILE= in the systemd unit)`,
  });
  const fileMax = readNum('/proc/sys/fs/file-max');
  const nrOpen = readNum('/proc/sys/fs/nr_open');
  if (fileMax !== null) {
    checks.push({
      check: 'fs.file-max',
      status: fileMax >= 65536 ? 'ok' : 'warn',
      value: String(fileMax),
      meaning: 'descriptors the whole machine may have open; per-process limits matter more',
    });
  }
  if (nrOpen !== null) {
    checks.push({
      check: 'fs.nr_open',
      status: 'ok',
      value: String(nrOpen),
      meaning: 'the highest per-process limit possible',
    });
  }
  const cg = detectCgroups({ prepare: false });
  const hasMem = cg.controllers.includes('memory');
  const hasPids = cg.controllers.includes('pids');
  checks.push({
    check: 'cgroups',
    status: cg.writable && hasMem && hasPids ? 'ok' : 'warn',
    value:
      cg.version === null
        ? 'none'
        : `v${cg.version}, ${cg.writable ? 'writable' : 'read-only'}${cg.controllers.length ? ` (${cg.controllers.join(', ')})` : ''}`,
    meaning: cg.writable
      ? `each service gets its own cgroup below the daemon's: exact membership and an escape-proof kill${hasMem ? ', kernel memory limits and OOM counters' : ''}${hasPids ? ', tasks limits' : ''}${!hasMem || !hasPids ? `; missing: ${cg.reason}` : ''}`
      : `no writable cgroup (${cg.reason}): escaped processes are found by walking /proc, memory is enforced by graceful restarts only, and tasks limits cannot be enforced`,
  });
  const sp = nativeSpawnStatus();
  checks.push({
    check: 'spawn',
    status: sp.native ? 'ok' : 'warn',
    value: sp.native ? 'vfork' : 'child_process',
    meaning: sp.native
      ? 'services start with vfork (native addon): a start costs the daemon about 0.1 ms, whatever its size'
      : `services start with Node's child_process, which forks the whole daemon (a few ms each): ${sp.reason}`,
  });
  let prlimit = false;
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
    prlimit = true;
  } catch {
    // not installed
  }
  checks.push({
    check: 'prlimit',
    status: 'ok',
    value: prlimit ? 'present' : 'absent',
    meaning: 'limits are applied by a POSIX sh wrapper (ulimit), so prlimit is optional',
  });
  const hasProc = existsSync('/proc/self/fd');
  checks.push({
    check: '/proc',
    status: hasProc ? 'ok' : 'fail',
    value: hasProc ? 'readable' : 'missing',
    meaning: hasProc
      ? 'descriptors, memory and sockets of every process can be measured'
      : 'not Linux: services are supervised, but descriptors, memory and sockets are not measured and leaks are not detected',
  });
  ensureHome(home);
  try {
    const s = statfsSync(home);
    const free = s.bavail * s.bsize;
    checks.push({
      check: 'free disk (VIGIL_HOME)',
      status: free > 1024 ** 3 ? 'ok' : free > 100 * 1024 ** 2 ? 'warn' : 'fail',
      value: `${formatBytes(free)} at ${home}`,
      meaning:
        'logs and history are written here; when it fills, services keep running and dropped log lines are counted',
    });
  } catch {
    // statfs unsupported
  }
  return checks;
}

export const doctor: Command = {
  name: 'doctor',
  summary: 'check fd limits, cgroups, /proc and disk, and say what each means',
  usage: 'vigil doctor [--json]',
  async run(args, io) {
    const { values } = parse(args, { ...jsonOption });
    const checks = runChecks(resolveHome());
    if (values.json) {
      printJson(io, checks);
    } else {
      for (const c of checks) {
        const mark =
          c.status === 'ok'
            ? paint(io, 'green', 'ok  ')
            : c.status === 'warn'
              ? paint(io, 'yellow', 'warn')
              : paint(io, 'red', 'FAIL');
        io.out(`${mark}  ${c.check}: ${c.value}\n      ${c.meaning}\n`);
      }
    }
    return checks.some((c) => c.status === 'fail') ? 1 : 0;
  },
};
