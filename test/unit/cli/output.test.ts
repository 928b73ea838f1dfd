import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, table } from '../../../src/cli/output.js';

test('table aligns columns and trims trailing spaces', () => {
  const t = table(
    ['NAME', 'STATUS'],
    [
      ['web', 'running'],
      ['strategy-long', 'stopped'],
    ],
  );
  assert.equal(t, 'NAME           STATUS\nweb            running\nstrategy-long  stopped\n');
});

test('formatBytes and formatDuration', () => {
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(null), '-');
  assert.equal(formatDuration(3725), '1h2m');
  assert.equal(formatDuration(59), '59s');
  assert.equal(formatDuration(90061), '1d1h');
});
