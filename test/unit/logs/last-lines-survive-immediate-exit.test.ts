import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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
} from './helpers.js';

const homes: string[] = [];
after(() => {
  killChildren();
  for (const h of homes) removeHome(h);
});

test('last lines of a child that exits right after writing them: all present after waitDrained, 20 runs of 20', async () => {
  const home = tempHome();
  homes.push(home);
  // One ServiceLogs across runs, as the daemon keeps it across restarts of a service.
  const logs = new ServiceLogs({ home, service: 'quick', options: { max_size: 512 * 1024, keep: 1000 } });
  const perRun = 5000;
  for (let run = 0; run < 20; run++) {
    const start = run * perRun;
    const script = `python3 "$0" ${perRun} 100 1000 0 1 ${start}; printf 'err-last-${run}' >&2`;
    spawnCaptured(logs, 'sh', ['-c', script, NUMBERED]);
    assert.equal(await logs.waitDrained(10_000), true, `run ${run} not drained`);
    const last = logs.lastLines('out', 2).map((l) => Number(l.slice(0, 10)));
    assert.deepEqual(last, [start + perRun - 2, start + perRun - 1], `run ${run}: last lines in memory`);
    // The stderr line has no newline: it is completed at EOF, not lost.
    assert.deepEqual(logs.lastLines('err', 1), [`err-last-${run}`]);
    assert.equal(logs.stats().lines, (run + 1) * (perRun + 1), `run ${run}: lines captured`);
  }
  await logs.close();
  const { seqs, other } = parseNumbered(storedLines(logs.dir, 'out'));
  assert.deepEqual(other, []);
  assert.deepEqual(sequenceProblems(seqs), []);
  assert.deepEqual(
    storedLines(logs.dir, 'err'),
    Array.from({ length: 20 }, (_, i) => `err-last-${i}`),
  );
});

test('another child spawned while the FIFO write ends are open does not inherit them (EOF still comes)', async () => {
  const home = tempHome();
  homes.push(home);
  const logs = new ServiceLogs({ home, service: 'a', options: {} });
  const fds = logs.prepareSpawn();
  // An unrelated long-lived child spawned between prepareSpawn and afterSpawn of service a.
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  const child = spawn('sh', ['-c', 'echo done'], { stdio: ['ignore', fds.stdout, fds.stderr] });
  logs.afterSpawn();
  try {
    assert.equal(await logs.waitDrained(3000), true, 'EOF never came: the FIFO leaked into another process');
    assert.deepEqual(logs.lastLines('out', 5), ['done']);
  } finally {
    other.kill('SIGKILL');
    child.kill('SIGKILL');
    await logs.close();
  }
});
