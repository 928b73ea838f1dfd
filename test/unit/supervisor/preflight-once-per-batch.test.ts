import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preflight } from '../../../src/supervisor/spawn.js';
import { VigilError } from '../../../src/errors.js';

test('preflight: checked once per batch of starts, and again for the next one (a removed program is reported)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-preflight-'));
  try {
    const prog = join(dir, 'app');
    writeFileSync(prog, '#!/bin/sh\n', { mode: 0o755 });
    const env = { PATH: dir };
    assert.equal(preflight('a', ['app'], dir, env), prog);
    rmSync(prog);
    // Same synchronous batch (one apply starting many services): the first check stands.
    assert.equal(preflight('b', ['app'], dir, env), prog);
    await Promise.resolve(); // the batch is over
    assert.throws(
      () => preflight('c', ['app'], dir, env),
      (e: unknown) =>
        e instanceof VigilError && e.code === 'SPAWN_NOT_FOUND' && /c: command not found/.test(e.message),
    );
    // A failure is never remembered: the program is back, the next check finds it.
    writeFileSync(prog, '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(preflight('d', ['app'], dir, env), prog);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
