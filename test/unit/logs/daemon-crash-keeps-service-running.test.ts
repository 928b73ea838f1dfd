import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../../helpers/paths.js';
import { GAP_MARKER, READ_BYTES, ServiceLogs } from '../../../src/logs/service-logs.js';
import {
  NUMBERED,
  alive,
  killChildren,
  parseNumbered,
  removeHome,
  sequenceProblems,
  sleep,
  spawnCaptured,
  storedLines,
  tempHome,
  waitFor,
} from './helpers.js';

const homes: string[] = [];
const pids: number[] = [];
after(() => {
  killChildren();
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const h of homes) removeHome(h);
});

/** Most lines a daemon crash may lose: one read (READ_BYTES) of 100-byte lines, plus the line cut by it. */
const MAX_LOST = Math.ceil(READ_BYTES / 100) + 1;

test('daemon killed with SIGKILL: service keeps its pid, at most one read lost, gap marker written', async () => {
  const home = tempHome();
  homes.push(home);
  const daemon = spawn(process.execPath, [fixture('logs', 'capture-daemon.mjs'), home, 'svc', NUMBERED], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  pids.push(daemon.pid as number);
  const [first] = (await once(daemon.stdout, 'data')) as [Buffer];
  const childPid = Number(first.toString().trim());
  pids.push(childPid);
  assert.ok(childPid > 0);
  // Kill it once it has really been capturing (start-up is slow on a loaded machine).
  const out = join(home, 'logs', 'svc', 'out.log');
  await waitFor(() => existsSync(out) && statSync(out).size > 200_000, 20_000, 'the first daemon to capture');
  daemon.kill('SIGKILL');
  await once(daemon, 'exit');
  // Nobody reads now: the child fills the FIFO's buffer and waits, it is not killed.
  await sleep(300);
  assert.ok(alive(childPid), 'service died with the daemon');

  const logs = new ServiceLogs({ home, service: 'svc', options: { max_size: 1 << 20, keep: 50 } });
  logs.attach({ gap: true });
  await waitFor(() => logs.stats().lines > 2000, 20_000, 'capture to resume');
  assert.ok(alive(childPid), 'service died after the daemon came back');
  process.kill(childPid, 'SIGKILL');
  assert.equal(await logs.waitDrained(5000), true);
  await logs.close();

  const lines = storedLines(logs.dir, 'out');
  const at = lines.indexOf(GAP_MARKER);
  assert.ok(at > 0, 'no gap marker');
  assert.equal(lines.lastIndexOf(GAP_MARKER), at, 'more than one gap marker');
  const before = parseNumbered(lines.slice(0, at));
  const afterGap = parseNumbered(lines.slice(at + 1));
  assert.deepEqual(sequenceProblems(before.seqs), []);
  // At most the line cut by the crash (before the marker) and the one cut by the final SIGKILL.
  assert.ok(before.other.length <= 1, `malformed before the gap: ${before.other.length}`);
  assert.ok(afterGap.other.length <= 2, `malformed after the gap: ${afterGap.other.length}`);
  const firstAfter = afterGap.seqs[0] as number;
  assert.ok(afterGap.seqs.length > 1000, 'capture did not resume');
  assert.deepEqual(sequenceProblems(afterGap.seqs, firstAfter), []);
  const lost = firstAfter - (before.seqs.length - 1) - 1;
  assert.ok(lost >= 0 && lost <= MAX_LOST, `lost ${lost} lines across the crash`);
});

test('handover without a crash (close, then attach without gap) loses nothing, not even a half line', async () => {
  const home = tempHome();
  homes.push(home);
  const opts = { max_size: 1 << 20, keep: 50 };
  const logs1 = new ServiceLogs({ home, service: 'svc', options: opts });
  // Odd batch sizes so that reads often end in the middle of a line.
  const child = spawnCaptured(logs1, 'python3', [NUMBERED, '-1', '100', '37', '0.001'], true);
  await waitFor(() => logs1.stats().lines > 2000, 20_000, 'capture to start');
  await logs1.close();
  await sleep(200);
  assert.ok(alive(child.pid as number));
  const logs2 = new ServiceLogs({ home, service: 'svc', options: opts });
  logs2.attach({ gap: false });
  await waitFor(() => logs2.stats().lines > 2000, 20_000, 'capture to resume');
  assert.ok(alive(child.pid as number));
  child.kill('SIGTERM');
  assert.equal(await logs2.waitDrained(5000), true);
  await logs2.close();
  const { seqs, other } = parseNumbered(storedLines(logs2.dir, 'out'));
  // SIGTERM may cut the last write: only the very last line may be incomplete.
  assert.ok(other.length <= 1, `malformed lines: ${JSON.stringify(other.slice(0, 3))}`);
  assert.ok(seqs.length > 1000);
  assert.deepEqual(sequenceProblems(seqs), []);
});
