import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { droppedMarker } from '../../../src/logs/rotating-file.js';
import { ServiceLogs } from '../../../src/logs/service-logs.js';
import {
  NUMBERED,
  killChildren,
  parseNumbered,
  removeHome,
  sequenceProblems,
  spawnCaptured,
  storedLines,
  tempHome,
  waitFor,
} from './helpers.js';

const homes: string[] = [];
const mounts: string[] = [];
after(() => {
  killChildren();
  for (const m of mounts) execFileSync('umount', ['-l', m]);
  for (const h of homes) removeHome(h);
});

/**
 * A silent service whose log folder cannot be made (`block` sets that up), then 100 lines, then (once the
 * folder can be made again and `go` exists) 100 more: the first 100 are dropped and counted, the rest kept
 * behind a marker, and nothing is thrown.
 */
async function dropsThenRecovers(
  home: string,
  block: () => void,
  unblock: () => void,
  expectCode: string,
): Promise<void> {
  block();
  const logs = new ServiceLogs({
    home,
    service: 'svc',
    options: {},
    diskRetryMs: 30,
    diskRecoverFreeBytes: 1,
  });
  const events: { kind: string; code?: string; dropped?: number }[] = [];
  let droppedCount = 0;
  logs.on('disk-full', (e: { code: string }) => events.push({ kind: 'disk-full', code: e.code }));
  logs.on('disk-recovered', (e: { dropped: number }) =>
    events.push({ kind: 'disk-recovered', dropped: e.dropped }),
  );
  logs.on('dropped', (e: { count: number }) => (droppedCount += e.count));
  const go = join(home, 'go');
  spawnCaptured(logs, 'sh', [
    '-c',
    `python3 "$0" 100 && while [ ! -e "$1" ]; do sleep 0.01; done && python3 "$0" 100 100 1000 0 1 100`,
    NUMBERED,
    go,
  ]);
  await waitFor(() => droppedCount === 100, 10_000, '100 dropped lines');
  assert.deepEqual(events, [{ kind: 'disk-full', code: expectCode }]);
  assert.equal(logs.stats().dropped_lines, 100);
  // Memory still has them: a crash report shows the last lines even when the disk did not take them.
  assert.equal(logs.lastLines('out', 1)[0]?.slice(0, 10), '0000000099');
  unblock();
  await waitFor(() => events.length === 2, 10_000, 'disk-recovered');
  assert.deepEqual(events[1], { kind: 'disk-recovered', dropped: 100 });
  writeFileSync(go, '');
  assert.equal(await logs.waitDrained(10_000), true);
  await logs.close();
  const lines = storedLines(logs.dir, 'out');
  assert.equal(lines[0] + '\n', droppedMarker(100));
  const { seqs, other } = parseNumbered(lines.slice(1));
  assert.deepEqual(other, []);
  assert.equal(seqs.length, 100);
  assert.deepEqual(sequenceProblems(seqs, 100), []);
  assert.equal(logs.stats().dropped_lines, 100);
  assert.equal(logs.stats().lines, 200);
}

test('lazy creation where the folder cannot be made (a file in its way) counts the dropped lines and recovers', async () => {
  const home = tempHome();
  homes.push(home);
  const blocker = join(home, 'logs');
  await dropsThenRecovers(
    home,
    () => writeFileSync(blocker, 'not a folder'),
    () => rmSync(blocker),
    'ENOTDIR',
  );
});

const root = process.getuid?.() === 0;

test('lazy creation in an unwritable folder counts the dropped lines and recovers', async (t) => {
  const home = tempHome();
  homes.push(home);
  const logsDir = join(home, 'logs');
  if (!root) {
    // Not root: a folder without write permission refuses the creation (EACCES).
    mkdirSync(logsDir);
    await dropsThenRecovers(
      home,
      () => chmodSync(logsDir, 0o555),
      () => chmodSync(logsDir, 0o755),
      'EACCES',
    );
    return;
  }
  // Root ignores permissions: a read-only mount refuses the creation (EROFS) instead.
  mkdirSync(logsDir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', logsDir], { stdio: 'pipe' });
  } catch (err) {
    t.skip(`running as root and cannot mount a read-only tmpfs (${(err as Error).message.split('\n')[0]})`);
    console.log('# unwritable-folder test skipped: root, and no read-only tmpfs could be mounted');
    return;
  }
  mounts.push(logsDir);
  await dropsThenRecovers(
    home,
    () => undefined,
    () => execFileSync('mount', ['-o', 'remount,rw', logsDir], { stdio: 'pipe' }),
    'EROFS',
  );
});
