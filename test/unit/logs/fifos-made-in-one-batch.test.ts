import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureFifos } from '../../../src/logs/fifo.js';

test('ensureFifos makes every missing FIFO (mode 600), replaces other files and keeps existing FIFOs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-fifos-'));
  try {
    const paths = Array.from({ length: 50 }, (_, i) => join(dir, 'run', `svc${i}.out`));
    writeFileSync(join(dir, 'stray'), 'not a fifo');
    mkdirSync(join(dir, 'run'));
    writeFileSync(paths[3]!, 'a regular file where a FIFO belongs');
    ensureFifos([...paths, join(dir, 'stray')]);
    for (const p of [...paths, join(dir, 'stray')]) {
      const st = lstatSync(p);
      assert.ok(st.isFIFO(), `${p} is a FIFO`);
      assert.equal(st.mode & 0o777, 0o600, `${p} is private`);
    }
    const before = statSync(paths[0]!).ino;
    ensureFifos(paths);
    assert.equal(statSync(paths[0]!).ino, before, 'an existing FIFO is kept, not remade');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
