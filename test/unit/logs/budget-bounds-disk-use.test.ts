import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { GlobalBudget } from '../../../src/logs/global-budget.js';
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

function dirBytes(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0; // not created yet: the first output makes it
  }
  for (const n of names) {
    try {
      total += statSync(join(dir, n)).size;
    } catch {
      // deleted while we looked
    }
  }
  return total;
}

const MiB = 1024 * 1024;

test('200 MiB written under a 20 MiB budget leaves at most budget + one max_size on disk', async () => {
  const home = tempHome();
  homes.push(home);
  const maxSize = 1 * MiB;
  const logs = new ServiceLogs({
    home,
    service: 'big',
    options: { max_size: maxSize, keep: 10_000, budget: 20 * MiB },
  });
  const width = 4096;
  const count = (200 * MiB) / width; // 51200 lines of 4 KiB
  spawnCaptured(logs, 'python3', [NUMBERED, String(count), String(width), '256']);
  let peak = 0;
  const watch = setInterval(() => (peak = Math.max(peak, dirBytes(logs.dir))), 5);
  try {
    assert.equal(await logs.waitDrained(120_000), true);
  } finally {
    clearInterval(watch);
  }
  await logs.close();
  peak = Math.max(peak, dirBytes(logs.dir));
  assert.ok(peak <= 20 * MiB + maxSize, `peak disk use ${peak} bytes`);
  assert.ok(peak > 15 * MiB, `peak ${peak}: the budget was not used, the test proves nothing`);
  assert.equal(logs.stats().bytes, 200 * MiB);
  // What is left is the newest lines, contiguous, up to the last one: only the oldest were deleted.
  const { seqs, other } = parseNumbered(storedLines(logs.dir, 'out'), width);
  assert.deepEqual(other, []);
  assert.equal(seqs[seqs.length - 1], count - 1);
  assert.deepEqual(sequenceProblems(seqs, seqs[0]), []);
});

test('global budget deletes the oldest rotated file across services first', async () => {
  const home = tempHome();
  homes.push(home);
  const budget = new GlobalBudget(3 * MiB);
  const opts = { max_size: 256 * 1024, keep: 1000 };
  const a = new ServiceLogs({ home, service: 'a', options: opts, budget });
  const b = new ServiceLogs({ home, service: 'b', options: opts, budget });
  // a writes first (its files are older), then b.
  spawnCaptured(a, 'python3', [NUMBERED, String((2 * MiB) / 1024), '1024', '64']);
  assert.equal(await a.waitDrained(30_000), true);
  await new Promise((r) => setTimeout(r, 20));
  spawnCaptured(b, 'python3', [NUMBERED, String((2 * MiB) / 1024), '1024', '64']);
  assert.equal(await b.waitDrained(30_000), true);
  await a.close();
  await b.close();
  const total = dirBytes(a.dir) + dirBytes(b.dir);
  assert.ok(total <= 3 * MiB + opts.max_size, `total ${total}`);
  assert.ok(budget.deletedFiles > 0);
  // b's files are newer: all of b is still there, the deletions were a's oldest.
  assert.equal(parseNumbered(storedLines(b.dir, 'out'), 1024).seqs.length, (2 * MiB) / 1024);
  const aSeqs = parseNumbered(storedLines(a.dir, 'out'), 1024).seqs;
  assert.ok(aSeqs.length < (2 * MiB) / 1024 && aSeqs[0] !== 0);
  assert.equal(aSeqs[aSeqs.length - 1], (2 * MiB) / 1024 - 1);
});

test('keep bounds the rotated files per stream; max_age deletes rotated files older than it', async () => {
  const home = tempHome();
  homes.push(home);
  const logs = new ServiceLogs({ home, service: 'k', options: { max_size: 64 * 1024, keep: 3 } });
  spawnCaptured(logs, 'python3', [NUMBERED, '10000']); // 1 MB: 15 rotations
  assert.equal(await logs.waitDrained(20_000), true);
  await logs.close();
  // Nothing was printed on stderr: no err.log.
  assert.deepEqual(readdirSync(logs.dir).sort(), ['out.log', 'out.log.1', 'out.log.2', 'out.log.3']);
  const { seqs } = parseNumbered(storedLines(logs.dir, 'out'));
  assert.equal(seqs[seqs.length - 1], 9999);
  assert.deepEqual(sequenceProblems(seqs, seqs[0]), []);
  // Age: .2 and .3 made two hours old; a service opened with max_age of one hour removes them.
  const old = (Date.now() - 2 * 3600_000) / 1000;
  for (const n of ['out.log.2', 'out.log.3']) utimesSync(join(logs.dir, n), old, old);
  const aged = new ServiceLogs({
    home,
    service: 'k',
    options: { max_size: 64 * 1024, keep: 3, max_age: 3600_000 },
  });
  await aged.close();
  assert.deepEqual(readdirSync(logs.dir).sort(), ['out.log', 'out.log.1']);
});
