import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { followLogs } from '../../../src/logs/follow-logs.js';
import { GlobalBudget } from '../../../src/logs/global-budget.js';
import type { LogLine } from '../../../src/logs/log-line.js';
import { readLogs } from '../../../src/logs/read-logs.js';
import { ServiceLogs } from '../../../src/logs/service-logs.js';
import { killChildren, removeHome, spawnCaptured, tempHome, waitFor } from './helpers.js';

const homes: string[] = [];
after(() => {
  killChildren();
  for (const h of homes) removeHome(h);
});

test('a service that prints nothing gets no log files, and every reader sees it as empty', async () => {
  const home = tempHome();
  homes.push(home);
  const budget = new GlobalBudget(1024 * 1024);
  const logs = new ServiceLogs({
    home,
    service: 'mute',
    // max_age arms the retention timer, budget the per-service listing: both must take a missing folder.
    options: { max_age: 1000, budget: 4 * 1024 * 1024, max_size: 64 * 1024 },
    budget,
  });
  assert.equal(existsSync(logs.dir), false, 'adding the service made its log folder');
  const follower = followLogs(home, 'mute', { pollMs: 20 });
  const followed: LogLine[] = [];
  void (async () => {
    for await (const l of follower) followed.push(l);
  })();
  const child = spawnCaptured(logs, 'sh', ['-c', 'sleep 0.2']);
  await new Promise((r) => child.once('exit', r));
  assert.equal(await logs.waitDrained(5000), true);
  assert.deepEqual(budget.enforce(), []);
  assert.deepEqual(await readLogs(home, 'mute'), []);
  assert.deepEqual(await readLogs(home, 'mute', { n: 10, since: Date.now() - 60_000, grep: /x/ }), []);
  assert.deepEqual(logs.lastLines('out', 20), []);
  assert.deepEqual(logs.lastLines('err', 20), []);
  await logs.close();
  await follower.close();
  assert.deepEqual(followed, []);
  assert.equal(existsSync(join(home, 'logs')), false, 'a silent run left a log folder');
  assert.deepEqual(logs.stats(), { bytes: 0, lines: 0, dropped_lines: 0, rotations: 0 });
});

test('the first line creates the folder and file and is kept; a follower started before sees it', async () => {
  const home = tempHome();
  homes.push(home);
  const logs = new ServiceLogs({ home, service: 'late', options: {} });
  const follower = followLogs(home, 'late', { pollMs: 20 });
  const followed: LogLine[] = [];
  void (async () => {
    for await (const l of follower) followed.push(l);
  })();
  const go = join(home, 'go');
  // Silent until told, then one line on stdout and nothing on stderr.
  spawnCaptured(logs, 'sh', ['-c', 'while [ ! -e "$0" ]; do sleep 0.01; done; echo "first words"', go]);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(existsSync(logs.dir), false, 'the folder was made before any output');
  writeFileSync(go, '');
  await waitFor(() => followed.length >= 1, 10_000, 'the followed line');
  assert.equal(await logs.waitDrained(5000), true);
  await logs.close();
  await follower.close();
  assert.deepEqual(
    followed.map((l) => [l.stream, l.text]),
    [['out', 'first words']],
  );
  assert.deepEqual(readdirSync(logs.dir), ['out.log'], 'only the stream that wrote has a file');
  assert.equal(readFileSync(join(logs.dir, 'out.log'), 'utf8'), 'first words\n');
  assert.deepEqual(
    (await readLogs(home, 'late')).map((l) => l.text),
    ['first words'],
  );
  assert.deepEqual(logs.lastLines('out', 5), ['first words']);
});

test('an existing active file is opened and appended to at once, as before', async () => {
  const home = tempHome();
  homes.push(home);
  const first = new ServiceLogs({ home, service: 'again', options: { timestamps: false } });
  const a = spawnCaptured(first, 'sh', ['-c', 'echo one']);
  await new Promise((r) => a.once('exit', r));
  assert.equal(await first.waitDrained(5000), true);
  await first.close();
  // A handover left a line open: the next capture must know it (it could only from the existing file).
  writeFileSync(join(first.dir, 'out.log'), 'one\nhalf', { flag: 'w' });
  const second = new ServiceLogs({ home, service: 'again', options: { timestamps: false } });
  second.attach({ gap: true });
  await second.close();
  assert.equal(
    readFileSync(join(first.dir, 'out.log'), 'utf8').split('\n').slice(0, 2).join('\n'),
    'one\nhalf',
    'the gap marker must start on a line of its own',
  );
  assert.match(readFileSync(join(first.dir, 'out.log'), 'utf8'), /^one\nhalf\n--- vigil: daemon restarted/);
});
