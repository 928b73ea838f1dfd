import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { VigilError } from '../errors.js';
import { isAlive, readCmdline, readStat } from '../supervisor/proc.js';

interface PidRecord {
  pid: number;
  start_ticks: number | null;
}

/** The pid recorded in the pid file if that process is alive and is the same process (start time checked). */
export function runningDaemonPid(path: string): number | null {
  let rec: PidRecord;
  try {
    rec = JSON.parse(readFileSync(path, 'utf8')) as PidRecord;
  } catch {
    return null;
  }
  if (!Number.isInteger(rec.pid) || rec.pid === process.pid) return null;
  if (!isAlive(rec.pid, rec.start_ticks)) return null;
  // On systems without /proc, isAlive cannot check the start time; the command line guards reuse there.
  const cmd = readCmdline(rec.pid);
  if (cmd && !/vigil|node/.test(cmd)) return null;
  return rec.pid;
}

/**
 * Takes the daemon lock of a home: creates the pid file exclusively, replacing a stale one.
 * Throws DAEMON_RUNNING if a live daemon holds it.
 */
export function acquirePidFile(path: string, home: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(
        fd,
        JSON.stringify({ pid: process.pid, start_ticks: readStat(process.pid)?.startTicks ?? null }),
      );
      closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const other = runningDaemonPid(path);
    if (other !== null) {
      throw new VigilError(
        'DAEMON_RUNNING',
        `a Vigil daemon is already running for ${home} (pid ${other}); use 'vigil down' first, or set VIGIL_HOME to another folder`,
      );
    }
    try {
      unlinkSync(path); // stale
    } catch {
      // raced with another starter; retry
    }
  }
  throw new VigilError('DAEMON_LOCK', `could not take the daemon lock ${path}`);
}

/** Removes the pid file if it is ours. */
export function releasePidFile(path: string): void {
  try {
    const rec = JSON.parse(readFileSync(path, 'utf8')) as PidRecord;
    if (rec.pid === process.pid) unlinkSync(path);
  } catch {
    // already gone
  }
}
