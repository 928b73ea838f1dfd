import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  nativePipeSize,
  nativeSpawn,
  nativeSpawnStatus,
  type SpawnedChild,
} from '../../../src/supervisor/native-spawn.js';
import { ensureFifo } from '../../../src/logs/fifo.js';

const status = nativeSpawnStatus();
// CI builds the addon with VIGIL_REQUIRE_NATIVE=1, so there these tests always run.
const skip = status.native ? false : `native spawn unavailable: ${status.reason}`;

function exited(c: SpawnedChild): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (c.exitCode !== null || c.signalCode !== null)
    return Promise.resolve({ code: c.exitCode, signal: c.signalCode });
  return new Promise((r) => c.once('exit', (code, signal) => r({ code, signal })));
}

test(
  'native-spawn: stdout/stderr fds, cwd, env, own session, default signals, exit code',
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-native-'));
    try {
      const out = openSync(join(dir, 'out'), 'w');
      const err = openSync(join(dir, 'err'), 'w');
      const script = [
        'echo "cwd=$(pwd) v=$V sid=$(cut -d" " -f6 /proc/$$/stat) pid=$$"',
        // SigIgn is the mask of ignored signals: Node ignores SIGPIPE, a service must not inherit that.
        // Read with builtins only: a shell blocks every signal while it (v)forks a command, and a forked
        // grep could read that passing state.
        'while IFS= read -r l; do case "$l" in SigIgn*|SigBlk*) echo "$l" >&2;; esac; done </proc/$$/status',
        'read x; echo "stdin=[$x]"',
        'exit 7',
      ].join('\n');
      const c = nativeSpawn('/bin/sh', ['/bin/sh', '-c', script], {
        cwd: dir,
        env: { V: 'forty two', PATH: '/usr/bin:/bin' },
        stdout: out,
        stderr: err,
      })!;
      closeSync(out);
      closeSync(err);
      assert.deepEqual(await exited(c), { code: 7, signal: null });
      const o = readFileSync(join(dir, 'out'), 'utf8');
      assert.match(o, new RegExp(`cwd=${dir} v=forty two sid=${c.pid} pid=${c.pid}`), o);
      assert.match(o, /stdin=\[\]/, 'stdin is /dev/null');
      const e = readFileSync(join(dir, 'err'), 'utf8');
      assert.match(e, /SigIgn:\s+0+\n/, `no ignored signal: ${e}`);
      assert.match(e, /SigBlk:\s+0+\n/, `no blocked signal: ${e}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'native-spawn: a signal is reported by name, many children are reaped, ENOENT throws',
  { skip },
  async () => {
    const c = nativeSpawn('/bin/sleep', ['sleep', '30'], {
      cwd: '/',
      env: {},
      stdout: 'ignore',
      stderr: 'ignore',
    })!;
    process.kill(c.pid!, 'SIGKILL');
    assert.deepEqual(await exited(c), { code: null, signal: 'SIGKILL' });
    const many = Array.from({ length: 50 }, (_, i) =>
      nativeSpawn('/bin/sh', ['sh', '-c', `exit ${i % 3}`], {
        cwd: '/',
        env: {},
        stdout: 'ignore',
        stderr: 'ignore',
      })!,
    );
    const codes = await Promise.all(many.map(exited));
    assert.deepEqual(
      codes.map((x) => x.code),
      many.map((_, i) => i % 3),
    );
    assert.throws(
      () => nativeSpawn('/no/such/program', ['x'], { cwd: '/', env: {}, stdout: 'ignore', stderr: 'ignore' }),
      (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
    );
  },
);

test('native pipeSize: grows a FIFO to 1 MiB and reads it back', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pipe-'));
  try {
    const fifo = join(dir, 'f');
    ensureFifo(fifo);
    const fd = openSync(fifo, constants.O_RDWR);
    try {
      assert.equal(nativePipeSize(fd, 0), 65536, 'the default capacity');
      assert.equal(nativePipeSize(fd, 1 << 20), 1 << 20);
      assert.equal(nativePipeSize(fd, 0), 1 << 20);
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
