import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkProcSupport, isUnsupported, probeSupport } from '../../../src/probe/support.js';
import { Semaphore } from '../../../src/probe/semaphore.js';

test('without-proc-the-probe-says-unsupported-and-names-what-is-missing', () => {
  const empty = mkdtempSync(join(tmpdir(), 'vigil-noproc-'));
  try {
    const u = checkProcSupport(empty, 'darwin');
    assert.ok(isUnsupported(u));
    assert.match(u.unsupported, /^unsupported: \/proc is not available on darwin; missing: /);
    assert.match(u.unsupported, /fd counts/);
    assert.match(u.unsupported, /PSS/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
  assert.equal(checkProcSupport('/proc', 'linux'), null);
  assert.equal(probeSupport(), null, 'this machine has /proc');
  assert.equal(isUnsupported(null), false);
  assert.equal(isUnsupported(42), false);
});

test('semaphore never runs more than its limit at once and runs every task', async () => {
  const sem = new Semaphore(2);
  let active = 0;
  let peak = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      sem
        .run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 2));
          order.push(i);
          active--;
          if (i === 3) throw new Error('a failing task frees its slot');
        })
        .catch(() => undefined),
    ),
  );
  assert.equal(peak, 2);
  assert.equal(order.length, 10);
  assert.equal(active, 0);
});
