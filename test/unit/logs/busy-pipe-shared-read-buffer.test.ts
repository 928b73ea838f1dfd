import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { fifoPath, homeFifoDir } from '../../../src/logs/paths.js';
import { BUSY_PIPE_BYTES, grownPipes } from '../../../src/logs/pipe-size.js';
import { nativePipeSize, nativeSpawnStatus } from '../../../src/supervisor/native-spawn.js';
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
  waitFor,
} from './helpers.js';

const homes: string[] = [];
after(() => {
  killChildren();
  for (const h of homes) removeHome(h);
});

const havePerl = spawnSync('perl', ['-e', '1']).status === 0;
const native = nativeSpawnStatus().native;
// Pipes are grown by Vigil's native addon where it is built (CI builds it), else by perl or python3.
const skip = native || havePerl ? false : 'neither the native addon nor perl: pipes keep their default size';

/** The pipe's capacity (F_GETPIPE_SZ), read through a second, idle reader of the FIFO. */
function pipeSize(fifo: string): number {
  const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (native) return nativePipeSize(fd, 0)!;
    const r = spawnSync('perl', ['-e', 'print fcntl(STDIN, 1032, 0)'], { stdio: [fd, 'pipe', 'inherit'] });
    return Number(r.stdout.toString());
  } finally {
    closeSync(fd);
  }
}

test(
  'a busy service gets a 1 MiB pipe while it runs, and every line of it stays whole and in order',
  { skip },
  async () => {
    const home = tempHome();
    homes.push(home);
    const logs = new ServiceLogs({ home, service: 'busy', options: { max_size: 8 << 20, keep: 50 } });
    // 300,000 lines in 1 MB writes, 20 ms apart: fast enough to fill a 64 KiB pipe, slow enough to check it.
    const lines = 300_000;
    const child = spawnCaptured(logs, 'python3', [NUMBERED, String(lines), '100', '10000', '0.02']);
    const fifo = fifoPath(homeFifoDir(home), 'busy', 'out');
    await waitFor(() => grownPipes().pipes > 0, 20_000, 'the busy pipe to be grown');
    let size = 0;
    const until = Date.now() + 5000;
    while (size !== BUSY_PIPE_BYTES && Date.now() < until && child.exitCode === null) {
      size = pipeSize(fifo); // the helper runs in the background: it may take a moment
      if (size !== BUSY_PIPE_BYTES) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(size, BUSY_PIPE_BYTES, 'the pipe of a busy service was not grown');
    assert.equal(await logs.waitDrained(60_000), true);
    await logs.close();
    assert.equal(grownPipes().pipes, 0, 'the grown pipe was not released when its reader closed');
    const { seqs, other } = parseNumbered(storedLines(logs.dir, 'out'));
    assert.deepEqual(other, []);
    assert.equal(seqs.length, lines);
    assert.deepEqual(sequenceProblems(seqs), []);
  },
);

test(
  'closing the capture of a busy service that keeps running gives its pipe capacity back',
  { skip },
  async () => {
    const home = tempHome();
    homes.push(home);
    const logs = new ServiceLogs({ home, service: 'open', options: { max_size: 8 << 20, keep: 50 } });
    const child = spawnCaptured(logs, 'python3', [NUMBERED, '-1', '100', '10000', '0.02']);
    await waitFor(() => grownPipes().pipes > 0, 20_000, 'the busy pipe to be grown');
    await logs.close(); // a handover: the service keeps running, its FIFO waits for the next reader
    assert.equal(grownPipes().pipes, 0);
    assert.equal(child.exitCode, null);
    child.kill('SIGKILL');
  },
);

test('two services writing at once through the one shared read buffer: neither gets the other’s bytes', async () => {
  const home = tempHome();
  homes.push(home);
  const a = new ServiceLogs({ home, service: 'a', options: { max_size: 4 << 20, keep: 50 } });
  const b = new ServiceLogs({ home, service: 'b', options: { max_size: 4 << 20, keep: 50 } });
  const lines = 200_000;
  // Odd batch sizes (reads end mid-line) and different widths, so that any mix-up shows.
  spawnCaptured(a, 'python3', [NUMBERED, String(lines), '100', '3333']);
  spawnCaptured(b, 'python3', [NUMBERED, String(lines), '60', '7777']);
  assert.equal(await a.waitDrained(60_000), true);
  assert.equal(await b.waitDrained(60_000), true);
  await Promise.all([a.close(), b.close()]);
  const ra = parseNumbered(storedLines(a.dir, 'out'), 100);
  const rb = parseNumbered(storedLines(b.dir, 'out'), 60);
  assert.deepEqual(ra.other.slice(0, 3), []);
  assert.deepEqual(rb.other.slice(0, 3), []);
  assert.equal(ra.seqs.length, lines);
  assert.equal(rb.seqs.length, lines);
  assert.deepEqual(sequenceProblems(ra.seqs), []);
  assert.deepEqual(sequenceProblems(rb.seqs), []);
  assert.equal(a.stats().lines, lines);
  assert.equal(b.stats().lines, lines);
});

test('capturing 64 MiB allocates no buffer per read: arrayBuffers stay within 4 MiB of the start', async () => {
  const home = tempHome();
  homes.push(home);
  const logs = new ServiceLogs({ home, service: 'mem', options: { max_size: 16 << 20, keep: 50 } });
  // Warm up (first reader, the shared buffer, JIT) before taking the baseline.
  spawnCaptured(logs, 'python3', [NUMBERED, '10000', '100', '1000']);
  assert.equal(await logs.waitDrained(20_000), true);
  const base = process.memoryUsage().arrayBuffers;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 5);
  const lines = 671_089; // 64 MiB
  spawnCaptured(logs, 'python3', [NUMBERED, String(lines), '100', '10000']);
  assert.equal(await logs.waitDrained(60_000), true);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  await logs.close();
  assert.equal(logs.stats().lines, 10_000 + lines);
  const grew = (peak - base) / 2 ** 20;
  assert.ok(grew < 4, `arrayBuffers grew by ${grew.toFixed(1)} MiB while 64 MiB were logged`);
});
