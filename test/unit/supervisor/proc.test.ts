import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatLine, readStat } from '../../../src/supervisor/proc.js';

test('parseStatLine handles a comm with spaces and parentheses', () => {
  const line =
    '4121 (my (odd) app) S 1 4121 4121 0 -1 4194560 500 0 0 0 10 5 0 0 20 0 3 0 987654 123456789 2000 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0';
  const st = parseStatLine(line);
  assert.deepEqual(st, { pid: 4121, state: 'S', ppid: 1, pgrp: 4121, session: 4121, startTicks: 987654 });
});

test('readStat of this process matches its pid; a missing pid gives null', () => {
  assert.equal(readStat(process.pid)?.pid, process.pid);
  assert.equal(readStat(2 ** 22 + 12345), null);
});
