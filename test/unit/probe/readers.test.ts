import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { countFds, fdDirSizeCounts } from '../../../src/probe/count-fds.js';
import { findTree, listProcesses, markerCacheSize } from '../../../src/probe/process-tree.js';
import { processStartTimeMs, readProcessStart } from '../../../src/probe/process-start.js';
import { machineMemoryBytes } from '../../../src/probe/machine-memory.js';
import { sampleService, type ServiceSample } from '../../../src/probe/sample-service.js';
import { isUnsupported } from '../../../src/probe/support.js';
import { readProcLines } from '../../../src/probe/proc-read.js';
import { fdLinkWorker } from '../../../src/probe/fd-worker.js';
import { killAllHolders, killHolder, spawnHolder } from './holders.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-probe-'));
const sockets = new Set<Socket>();
let server: Server | undefined;

after(async () => {
  await killAllHolders();
  for (const s of sockets) s.destroy();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function sample(x: ServiceSample | { unsupported: string }): ServiceSample {
  if (isUnsupported(x)) throw new Error(x.unsupported);
  return x;
}

/** fd link texts of a process, read independently of the probe. */
function links(pid: number): string[] {
  const d = `/proc/${pid}/fd/`;
  return readdirSync(d).map((n) => readlinkSync(d + n));
}

test('countFds agrees with a listing of /proc/PID/fd', async () => {
  const h = await spawnHolder(['--files', '120', '--pipes', '10']);
  try {
    const n = await countFds(h.pid);
    assert.equal(n, readdirSync(`/proc/${h.pid}/fd`).length);
    assert.ok(typeof n === 'number' && n >= 140, `expected at least 140 fds, got ${String(n)}`);
  } finally {
    await killHolder(h);
  }
});

test('st_size of /proc/PID/fd is used as the count on kernels from 6.2', () => {
  const [major, minor] = release().split('.').map(Number) as [number, number];
  const recent = major > 6 || (major === 6 && minor >= 2);
  assert.equal(fdDirSizeCounts(), recent);
});

test('countFds of a process that is gone is null, not an exception', async () => {
  const child = spawn('true');
  await new Promise((r) => child.once('exit', r));
  assert.equal(await countFds(child.pid!), null);
  assert.equal(await readProcessStart(child.pid!), null);
});

test('sqlite-wal-connections-show-as-one-grouped-db-target-and-tcp-by-remote', async () => {
  const srv = createServer((s) => sockets.add(s));
  server = srv;
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  const db = join(dir, 'logs.db');
  const N = 7;
  const M = 5;
  const h = await spawnHolder([
    '--sqlite',
    String(N),
    '--db',
    db,
    '--tcp',
    String(M),
    '--connect',
    `127.0.0.1:${port}`,
  ]);
  try {
    const s = sample(await sampleService([h.pid], { classify: true, pss: true }));
    const c = s.classified!;
    const top = c.top_targets[0]!;
    assert.equal(top.target, `${db} (+ -wal, -shm)`);
    const independent = links(h.pid);
    const count = (p: string): number => independent.filter((l) => l === p).length;
    assert.equal(count(db), N);
    assert.deepEqual(top.parts, [
      { target: db, count: count(db) },
      { target: db + '-wal', count: count(db + '-wal') },
      { target: db + '-shm', count: count(db + '-shm') },
    ]);
    assert.equal(top.count, count(db) + count(db + '-wal') + count(db + '-shm'));
    assert.deepEqual(
      c.sockets.by_remote.find((r) => r.remote === `127.0.0.1:${port}`),
      { remote: `127.0.0.1:${port}`, protocol: 'tcp', state: 'ESTABLISHED', count: M },
    );
    assert.equal(c.sockets.by_state.ESTABLISHED, M);
    assert.equal(c.sockets.by_protocol.tcp, M);
    assert.deepEqual(
      c.top_targets.find((t) => t.type === 'socket'),
      { target: `tcp 127.0.0.1:${port}`, type: 'socket', count: M },
    );
    assert.equal(c.by_type.socket, independent.filter((l) => l.startsWith('socket:')).length);
    assert.equal(s.fds, independent.length);
    assert.equal(s.fds_total, independent.length);
    // Memory: PSS was asked for and is at most RSS for a process sharing its libraries.
    const p = s.processes[0]!;
    assert.ok(p.rss_bytes > 1 << 20, `rss ${p.rss_bytes}`);
    assert.ok(p.pss_bytes !== null && p.pss_bytes > 0 && p.pss_bytes <= p.rss_bytes + 4096);
    assert.equal(s.pss_bytes, p.pss_bytes);
    assert.match(p.cmd, /python3 \S*holder\.py --sqlite 7 --db /);
    assert.ok(p.threads >= 2, 'the ttl timer thread makes at least two');
  } finally {
    await killHolder(h);
  }
});

test('fd links read in the worker, asynchronously or in synchronous slices classify the same', async () => {
  const h = await spawnHolder(['--files', '300', '--pipes', '50']);
  try {
    const w = sample(await sampleService([h.pid], { classify: true, pss: false, readlink: 'worker' }));
    const a = sample(await sampleService([h.pid], { classify: true, pss: false, readlink: 'async' }));
    const b = sample(await sampleService([h.pid], { classify: true, pss: false, readlink: 'sliced-sync' }));
    assert.deepEqual(a.classified, b.classified);
    assert.deepEqual(w.classified, b.classified);
    const independent = links(h.pid);
    const pipes = independent.filter((l) => l.startsWith('pipe:')).length;
    assert.ok(pipes >= 100);
    assert.equal(w.classified!.by_type.pipe, pipes);
    assert.equal(w.fds, independent.length);
    assert.deepEqual(
      w.classified!.top_targets.find((t) => t.target === '/dev/null'),
      { target: '/dev/null', type: 'device', count: independent.filter((l) => l === '/dev/null').length },
    );
  } finally {
    await killHolder(h);
  }
});

test('the fd worker answers null for a process that is gone and keeps working after', async () => {
  const child = spawn('true');
  await new Promise((r) => child.once('exit', r));
  const s = sample(await sampleService([child.pid!], { classify: true, pss: false, readlink: 'worker' }));
  assert.deepEqual(s.gone, [child.pid]);
  await assert.rejects(fdLinkWorker.links(child.pid!), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  const self = await fdLinkWorker.links(process.pid);
  assert.ok(self.length > 0);
});

test('service-fds-are-those-of-the-process-nearest-its-own-limit-not-the-largest', async () => {
  const tight = await spawnHolder(['--files', '40'], { nofile: [64, 128] });
  const roomy = await spawnHolder(['--files', '200'], { nofile: [4096, 8192] });
  try {
    const s = sample(await sampleService([roomy.pid, tight.pid], { classify: false, pss: false }));
    const t = s.processes.find((p) => p.pid === tight.pid)!;
    const r = s.processes.find((p) => p.pid === roomy.pid)!;
    assert.equal(t.fd_limit, 64);
    assert.equal(t.fd_limit_hard, 128);
    assert.equal(r.fd_limit, 4096);
    assert.ok(r.fds > t.fds);
    assert.equal(s.pid, tight.pid);
    assert.equal(s.fds, t.fds);
    assert.equal(s.fd_limit, 64);
    assert.equal(s.fds_total, t.fds + r.fds);
    assert.equal(t.fds, readdirSync(`/proc/${tight.pid}/fd`).length);
    assert.equal(s.rss_bytes, t.rss_bytes + r.rss_bytes);
    assert.equal(s.pss_bytes, null);
  } finally {
    await killHolder(tight);
    await killHolder(roomy);
  }
});

test('findTree-finds-double-forked-setsid-grandchild-by-marker-and-reports-zombies', async () => {
  const marker = { key: 'VIGIL_TEST_MARKER', value: `probe-${process.pid}-${Date.now()}` };
  const h = await spawnHolder(['--double-fork', '--zombie'], { env: { [marker.key]: marker.value } });
  try {
    const grandchild = h.info.grandchild!;
    const zombie = h.info.zombie!;
    const withoutMarker = await findTree([h.pid]);
    assert.ok(!isUnsupported(withoutMarker));
    const pids = withoutMarker.map((p) => p.pid);
    assert.ok(pids.includes(h.pid));
    assert.ok(!pids.includes(grandchild), 'the escaped grandchild is no descendant by ppid');
    const z = withoutMarker.find((p) => p.pid === zombie);
    assert.equal(z?.state, 'Z');
    assert.equal(z?.via, 'descendant');

    const tree = await findTree([h.pid], marker);
    assert.ok(!isUnsupported(tree));
    const g = tree.find((p) => p.pid === grandchild);
    assert.equal(g?.via, 'marker');
    assert.notEqual(g?.ppid, h.pid);
    assert.notEqual(g?.session, tree.find((p) => p.pid === h.pid)?.session, 'the grandchild ran setsid');
    assert.equal(tree.find((p) => p.pid === h.pid)?.via, 'root');
    // Again: the second walk answers from its cache of environments and must find the same.
    const again = await findTree([h.pid], marker);
    assert.ok(!isUnsupported(again));
    assert.deepEqual(again.map((p) => p.pid).sort(), tree.map((p) => p.pid).sort());
    // A different marker value finds no escaped process.
    const other = await findTree([h.pid], { key: marker.key, value: marker.value + '-other' });
    assert.ok(!isUnsupported(other));
    assert.ok(!other.some((p) => p.pid === grandchild));

    // Sampling the tree: the zombie is reported as such and never chosen as nearest its limit.
    const s = sample(
      await sampleService(
        tree.map((p) => p.pid),
        { classify: true, pss: false },
      ),
    );
    const zs = s.processes.find((p) => p.pid === zombie);
    assert.equal(zs?.state, 'Z');
    assert.equal(zs?.fds, 0);
    assert.notEqual(s.pid, zombie);
    assert.equal(s.processes.length, 3);
  } finally {
    await killHolder(h);
  }
});

test('the marker cache holds one entry per process, not one per process and service', async () => {
  const key = 'VIGIL_TEST_MARKER';
  let processes = 0;
  // 40 services asking in turn (a daemon samples each one): the cache must not grow with them.
  for (let i = 0; i < 40; i++) {
    const tree = await findTree([process.pid], { key, value: `svc-${i}` });
    assert.ok(!isUnsupported(tree));
    const all = await listProcesses();
    assert.ok(!isUnsupported(all));
    processes = Math.max(processes, all.length);
  }
  assert.ok(markerCacheSize() <= processes + 50, `${markerCacheSize()} entries for ${processes} processes`);
});

test('findTree uses a shared listing that knows its root, and walks /proc again for a root it lacks', async () => {
  const before = await listProcesses();
  assert.ok(!isUnsupported(before));
  const h = await spawnHolder(['--files', '1']);
  try {
    // A stale listing without the new process: a fresh walk finds it anyway.
    assert.ok(!before.some((p) => p.pid === h.pid));
    const fresh = await findTree([h.pid], undefined, before);
    assert.ok(!isUnsupported(fresh));
    assert.deepEqual(
      fresh.map((p) => p.pid),
      [h.pid],
    );
    // A listing that knows the root is used as it is (a made-up child in it shows up as a descendant).
    const now = await listProcesses();
    assert.ok(!isUnsupported(now));
    const root = now.find((p) => p.pid === h.pid)!;
    const fake = { ...root, pid: 999_999_999, ppid: h.pid };
    const tree = await findTree([h.pid], undefined, [...now, fake]);
    assert.ok(!isUnsupported(tree));
    assert.deepEqual(tree.map((p) => p.pid).sort(), [h.pid, fake.pid].sort());
  } finally {
    await killHolder(h);
  }
});

test('processes-exiting-mid-sample-are-listed-as-gone-never-thrown', async () => {
  // Short-lived processes exit at different moments while the same pids are sampled back to back.
  let samples = 0;
  let sawGone = 0;
  for (let round = 0; round < 3; round++) {
    const kids = Array.from({ length: 4 }, (_, i) =>
      spawn('python3', [
        '-c',
        `fs=[open('/dev/null') for _ in range(300)]; import time; time.sleep(${0.05 * i})`,
      ]),
    );
    const exited = kids.map((k) => new Promise((r) => k.once('exit', r)));
    let allExited = false;
    void Promise.all(exited).then(() => (allExited = true));
    const pids = kids.map((k) => k.pid!);
    while (!allExited) {
      const s = sample(
        await sampleService([...pids, 999_999_999], { classify: samples % 2 === 0, pss: true }),
      );
      samples++;
      assert.deepEqual(s.errors, []);
      assert.ok(s.gone.includes(999_999_999));
      for (const pid of pids) {
        const inProcesses = s.processes.some((p) => p.pid === pid);
        assert.ok(inProcesses !== s.gone.includes(pid), `pid ${pid} must be either sampled or gone`);
      }
      if (s.gone.length > 1) sawGone++;
    }
    const last = sample(await sampleService(pids, { classify: true, pss: true }));
    assert.deepEqual(last.gone.sort(), [...pids].sort());
    assert.equal(last.fds_total, 0);
  }
  assert.ok(samples > 10, `only ${samples} samples`);
  assert.ok(sawGone > 0, 'some process exited between or during samples');
});

test('process start time in ticks and in ms since the epoch match when it was spawned', async () => {
  const before = Date.now();
  const h = await spawnHolder([]);
  try {
    const ticks = await readProcessStart(h.pid);
    assert.equal(typeof ticks, 'number');
    const ms = await processStartTimeMs(h.pid);
    assert.equal(typeof ms, 'number');
    // btime has a resolution of one second.
    assert.ok(Math.abs((ms as number) - before) < 2000, `start ${String(ms)} vs spawn ${before}`);
    const all = await listProcesses();
    assert.ok(!isUnsupported(all));
    assert.equal(all.find((p) => p.pid === h.pid)?.start_ticks, ticks);
  } finally {
    await killHolder(h);
  }
});

test('machine memory is MemTotal', async () => {
  assert.equal(await machineMemoryBytes(), totalmem());
});

test('lines split across read chunks are delivered whole, in order, with a final line lacking a newline', async () => {
  const lines = Array.from({ length: 5000 }, (_, i) => `${i}: ${'x'.repeat(i % 97)} é`);
  const file = join(dir, 'lines.txt');
  writeFileSync(file, lines.join('\n'));
  const got: string[] = [];
  let pauses = 0;
  const ok = await readProcLines(
    file,
    (l) => got.push(l),
    async () => {
      pauses++;
    },
  );
  assert.equal(ok, true);
  assert.deepEqual(got, lines);
  assert.ok(pauses > 1, 'the file spans several chunks');
  assert.equal(await readProcLines(join(dir, 'missing'), () => {}), false);
});
