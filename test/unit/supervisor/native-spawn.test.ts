import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  nativePipeSize,
  nativeSpawn,
  nativeSpawnStatus,
  type SpawnedChild,
} from '../../../src/supervisor/native-spawn.js';
import { ensureFifo } from '../../../src/logs/fifo.js';
import { readStat } from '../../../src/supervisor/proc.js';

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

/** Runs `argv` through the addon with the wrapper's work; resolves with its exit and what it wrote. */
async function direct(
  file: string,
  argv: string[],
  wrapper: { nofile: { soft: number; hard: number }; cgroupProcs: string[] },
): Promise<{ pid: number; code: number | null; out: string; err: string; limits: string; comm: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-direct-'));
  try {
    const out = openSync(join(dir, 'out'), 'w');
    const err = openSync(join(dir, 'err'), 'w');
    const c = nativeSpawn(file, argv, {
      cwd: dir,
      env: { PATH: '/usr/bin:/bin' },
      stdout: out,
      stderr: err,
      wrapper,
    })!;
    closeSync(out);
    closeSync(err);
    let limits = '';
    let comm = '';
    try {
      limits = readFileSync(`/proc/${c.pid}/limits`, 'utf8');
      comm = readFileSync(`/proc/${c.pid}/comm`, 'utf8').trim();
    } catch {
      // already gone
    }
    const { code } = await exited(c);
    return {
      pid: c.pid!,
      code,
      out: readFileSync(join(dir, 'out'), 'utf8'),
      err: readFileSync(join(dir, 'err'), 'utf8'),
      limits,
      comm,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test(
  "native-spawn with the wrapper's work: the program itself is exec'd (no shell) with its nofile limit",
  { skip },
  async () => {
    const r = await direct('/bin/sleep', ['sleep', '0.3'], {
      nofile: { soft: 123, hard: 456 },
      cgroupProcs: [],
    });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.comm, 'sleep', 'the pid spawned is the program from the first instant');
    assert.match(r.limits, /Max open files\s+123\s+456\s+files/);
  },
);

test(
  "native-spawn with the wrapper's work: a cgroup it cannot join or a bad limit fails the run like the wrapper (126, reason on stderr)",
  { skip },
  async () => {
    const cg = await direct('/bin/true', ['true'], {
      nofile: { soft: 64, hard: 64 },
      cgroupProcs: ['/nonexistent/vigil/cgroup.procs'],
    });
    assert.equal(cg.code, 126);
    assert.equal(cg.err, 'vigil: cannot join cgroup /nonexistent/vigil/cgroup.procs\n');
    const lim = await direct('/bin/true', ['true'], { nofile: { soft: 200, hard: 100 }, cgroupProcs: [] });
    assert.equal(lim.code, 126);
    assert.match(lim.err, /^vigil: cannot set the nofile limit to 200 \(hard 100\)\n$/);
  },
);

test(
  "native-spawn with the wrapper's work: a script without a #! line is run by /bin/sh, as sh would",
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-noshebang-'));
    try {
      const script = join(dir, 'job');
      writeFileSync(script, 'echo "ran with $# args: $1"\n', { mode: 0o755 });
      const r = await direct(script, ['job', 'first'], { nofile: { soft: 64, hard: 64 }, cgroupProcs: [] });
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, 'ran with 1 args: first\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('native-spawn knows the start time /proc shows, without reading /proc', { skip }, async () => {
  const kids = Array.from({ length: 40 }, () =>
    nativeSpawn('/bin/sleep', ['sleep', '5'], { cwd: '/', env: {}, stdout: 'ignore', stderr: 'ignore' })!,
  );
  try {
    const known = kids.filter((c) => c.startTicks !== null && c.startTicks !== undefined);
    // A spawn that straddles a clock tick (10 ms) reports null; most do not.
    assert.ok(known.length >= 20, `${known.length} of 40 knew their start time`);
    for (const c of known) assert.equal(c.startTicks, readStat(c.pid!)!.startTicks, `pid ${c.pid}`);
  } finally {
    for (const c of kids) process.kill(c.pid!, 'SIGKILL');
    await Promise.all(kids.map(exited));
  }
});
