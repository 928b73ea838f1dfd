import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../../helpers/paths.js';
import { classifyFdTarget } from '../../../src/probe/fd-target.js';
import { topTargets } from '../../../src/probe/top-targets.js';

test('fd link texts classify as file, device, socket, pipe, anon_inode or other', () => {
  const { cases } = JSON.parse(readFileSync(fixture('probe', 'fd-links.json'), 'utf8')) as {
    cases: [string, unknown][];
  };
  assert.ok(cases.length >= 15);
  for (const [text, expected] of cases)
    assert.deepEqual(classifyFdTarget(text), expected, JSON.stringify(text));
});

test('sqlite-db-wal-and-shm-are-one-target-named-with-their-suffixes', () => {
  const top = topTargets([
    { target: '/srv/logs.db', type: 'file', count: 400 },
    { target: '/srv/logs.db-wal', type: 'file', count: 400 },
    { target: '/srv/logs.db-shm', type: 'file', count: 1 },
    { target: 'tcp 127.0.0.1:5432', type: 'socket', count: 180 },
    { target: '/dev/null', type: 'device', count: 3 },
    { target: '/srv/once.txt', type: 'file', count: 1 },
  ]);
  assert.deepEqual(top[0], {
    target: '/srv/logs.db (+ -wal, -shm)',
    type: 'file',
    count: 801,
    parts: [
      { target: '/srv/logs.db', count: 400 },
      { target: '/srv/logs.db-wal', count: 400 },
      { target: '/srv/logs.db-shm', count: 1 },
    ],
  });
  assert.deepEqual(
    top.map((t) => [t.target, t.count]),
    [
      ['/srv/logs.db (+ -wal, -shm)', 801],
      ['tcp 127.0.0.1:5432', 180],
      ['/dev/null', 3],
    ],
  );
});

test('a -wal file whose main file is not open keeps its own name; counts of one are dropped', () => {
  const top = topTargets([
    { target: '/a/x.db-wal', type: 'file', count: 2 },
    { target: '/a/my-journal', type: 'file', count: 2 },
    { target: '/a/y.db', type: 'file', count: 1 },
    { target: '/a/y.db-journal', type: 'file', count: 1 },
  ]);
  assert.deepEqual(
    top.map((t) => t.target),
    ['/a/my-journal', '/a/x.db-wal', '/a/y.db (+ -journal)'],
  );
});

test('top targets: the same target counted in several processes is summed; at most the limit, largest first', () => {
  const counts = [];
  for (let i = 0; i < 30; i++) counts.push({ target: `/f/${i}`, type: 'file' as const, count: 2 + i });
  counts.push({ target: '/f/0', type: 'file' as const, count: 100 });
  const top = topTargets(counts, 20);
  assert.equal(top.length, 20);
  assert.deepEqual(top[0], { target: '/f/0', type: 'file', count: 102 });
  assert.equal(top[1]?.target, '/f/29');
  assert.equal(top[19]?.target, '/f/11');
});
