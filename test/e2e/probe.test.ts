import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, type TestDaemon, withDaemon } from '../helpers/daemon.js';
import { fixture } from '../helpers/paths.js';
import { parseTraceCsv } from '../../src/leak/index.js';

interface Inspect {
  pid: number | null;
  fds: {
    total: number | null;
    limit: number | null;
    nearest_pid: number | null;
    top_targets: { target: string; count: number; slope_per_hour: number | null }[];
  };
  fd_limit: number | null;
  sockets: { by_remote: { remote: string; protocol: string; state: string; count: number }[] } | null;
  processes: { pid: number; fds: number; fd_limit: number }[];
  last_exit: { reason: string } | null;
  runs: { pid: number; reason: string | null }[];
}

describe('probe, history and inspect with real processes', () => {
  let d: TestDaemon;
  withDaemon((x) => (d = x));

  test('inspect names the leaking .db (with -wal, -shm) as the top target, with positive growth', async () => {
    const db = join(d.home, 'logs.db');
    await d.client.startNew({
      name: 'flask-logger',
      command: ['python3', '-u', fixture('services', 'sqlite_leak.py'), db, '4'],
      cwd: '/',
      options: { sample_interval: '1s' },
    });
    const v = await waitFor(
      'db top target with growth',
      async () => {
        const x = (await d.client.inspect('flask-logger')) as unknown as Inspect;
        const top = x.fds.top_targets[0];
        return top && top.target.includes('logs.db') && (top.slope_per_hour ?? 0) > 0 ? x : null;
      },
      40_000,
      500,
    );
    const top = v.fds.top_targets[0]!;
    assert.match(top.target, /logs\.db \(\+ -wal, -shm\)/);
    assert.ok(top.count > 10, `open ${top.count} times`);
    const text = await d.cli(['inspect', 'flask-logger']);
    assert.match(text.stdout, /logs\.db \(\+ -wal, -shm\) open \d+ times, \+\d+\/h/);
    // export round-trips through analyze's format.
    const csv = await d.cli(['export', 'flask-logger', '--csv', '--since', '10m']);
    assert.equal(csv.code, 0, csv.stderr);
    const rows = parseTraceCsv(csv.stdout, 'export');
    assert.ok(rows.length >= 5, `${rows.length} rows`);
    assert.ok(rows[rows.length - 1]!.fds > rows[0]!.fds, 'fds grew');
    assert.equal(rows[0]!.fd_limit, 1024);
    const file = join(d.home, 'trace.csv');
    writeFileSync(file, csv.stdout);
    const an = await d.cli(['analyze', file, '--json']);
    assert.equal(an.code, 0, an.stderr);
    const verdicts = JSON.parse(an.stdout) as { fds: { verdict: string }; rss: { verdict: string } };
    assert.ok(['ok', 'growing', 'leak'].includes(verdicts.fds.verdict));
    await d.client.remove('flask-logger');
  });

  test('inspect names the remote endpoint and state of held TCP connections', async () => {
    const sockets: Socket[] = [];
    const server: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      await d.client.startNew({
        name: 'tcp-client',
        command: ['python3', '-u', fixture('services', 'tcp_holder.py'), '127.0.0.1', String(port), '12'],
        cwd: '/',
        options: { sample_interval: '1s' },
      });
      const v = await waitFor(
        'sockets classified',
        async () => {
          const x = (await d.client.inspect('tcp-client')) as unknown as Inspect;
          return x.sockets && x.sockets.by_remote.some((r) => r.remote === `127.0.0.1:${port}`) ? x : null;
        },
        20_000,
        300,
      );
      const r = v.sockets!.by_remote.find((x) => x.remote === `127.0.0.1:${port}`)!;
      assert.equal(r.count, 12);
      assert.equal(r.state, 'ESTABLISHED');
      assert.equal(r.protocol, 'tcp');
      const text = await d.cli(['inspect', 'tcp-client']);
      assert.match(text.stdout, new RegExp(`12 TCP connections ESTABLISHED to 127\\.0\\.0\\.1:${port}`));
      await d.client.remove('tcp-client');
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  test('fds and fd_limit are those of the process nearest its own limit', async () => {
    await d.client.startNew({
      name: 'two-procs',
      command: ['python3', '-u', fixture('services', 'two_procs.py'), '64', '40'],
      cwd: '/',
      options: { sample_interval: '1s' },
    });
    const v = await waitFor(
      'both processes sampled',
      async () => {
        const x = (await d.client.inspect('two-procs')) as unknown as Inspect;
        return x.processes.length === 2 && x.processes.every((p) => p.fds > 20) ? x : null;
      },
      20_000,
      300,
    );
    const child = v.processes.find((p) => p.fd_limit === 64)!;
    const parent = v.processes.find((p) => p.fd_limit === 1024)!;
    assert.ok(child && parent);
    const row = (await d.client.list()).find((s) => s.name === 'two-procs')!;
    assert.equal(row.fd_limit, 64, 'the limit of the process nearest its limit');
    assert.equal(row.fds, child.fds);
    assert.ok(row.fds_total! >= child.fds + parent.fds - 2, 'fds_total counts both');
    assert.ok(parent.fds > child.fds / 2, 'parent holds many too, but further from its limit');
    await d.client.remove('two-procs');
  });

  test('memory over the threshold of the limit → graceful restart with reason memory-limit', async () => {
    await d.client.startNew({
      name: 'hog',
      command: ['python3', '-u', fixture('services', 'memory_hog.py'), '40'],
      cwd: '/',
      options: { sample_interval: '1s', limits: { memory: '120MiB', memory_restart: '80%' } },
    });
    const first = (await d.client.inspect('hog')).pid;
    const v = await waitFor(
      'restart for memory',
      async () => {
        const x = (await d.client.inspect('hog')) as unknown as Inspect;
        return x.pid && x.pid !== first ? x : null;
      },
      30_000,
      300,
    );
    assert.equal(v.runs.find((r) => r.pid === first)?.reason, 'memory-limit');
    const ev = await d.client.events({ service: 'hog' });
    assert.ok(ev.some((e) => e.kind === 'memory-limit'));
    await d.client.remove('hog');
  });
});
