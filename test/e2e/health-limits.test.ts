import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { waitFor, type TestDaemon, withDaemon } from '../helpers/daemon.js';
import { fixture } from '../helpers/paths.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('health checks and limits', () => {
  let d: TestDaemon;
  withDaemon((x) => (d = x));

  test('a hung HTTP service is restarted gracefully on its health check (reason health)', async () => {
    const port = await freePort();
    await d.client.startNew({
      name: 'hangs',
      command: ['python3', '-u', fixture('services', 'hangs.py'), String(port), '2'],
      cwd: '/',
      options: {
        stop_grace: '1s',
        health: {
          http: `http://127.0.0.1:${port}/health`,
          interval: '300ms',
          timeout: '300ms',
          start_period: '1s',
          failures: 2,
        },
      },
    });
    const first = (await d.client.inspect('hangs')).pid!;
    const s = await waitFor(
      'restart on health',
      async () => {
        const x = await d.client.inspect('hangs');
        return x.pid && x.pid !== first ? x : null;
      },
      15_000,
      100,
    );
    const runs = s.runs as { pid: number; reason: string }[];
    assert.equal(runs.find((r) => r.pid === first)?.reason, 'health');
    const ev = await d.client.events({ service: 'hangs' });
    assert.ok(ev.some((e) => e.kind === 'health' && /health check failed 2 times/.test(e.message)));
    await d.client.remove('hangs');
  });

  test('a tcp health check that passes marks the start successful and never restarts', async () => {
    const port = await freePort();
    await d.client.startNew({
      name: 'tcp-ok',
      command: ['python3', '-u', fixture('services', 'hangs.py'), String(port), '3600'],
      cwd: '/',
      options: {
        min_uptime: '30s',
        health: { tcp: `127.0.0.1:${port}`, interval: '200ms', timeout: '500ms', failures: 1 },
      },
    });
    // min_uptime is 30 s, so "running" within a few seconds can only come from the health check passing.
    await waitFor(
      'running via health',
      async () => (await d.client.inspect('tcp-ok')).status === 'running',
      8000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await d.client.inspect('tcp-ok')).restarts, 0);
    await d.client.remove('tcp-ok');
  });

  test('user and group are applied (daemon running as root)', async (t) => {
    if (process.geteuid?.() !== 0) return t.skip('needs root: the tests are not running as root');
    const { readFileSync } = await import('node:fs');
    const v = await d.client.startNew({
      name: 'as-nobody',
      command: ['sleep', '300'],
      cwd: '/',
      options: { user: 'nobody' },
    });
    assert.ok(v.pid, `started: ${JSON.stringify(v.last_exit)} ${v.failed_reason}`);
    const status = readFileSync(`/proc/${v.pid}/status`, 'utf8');
    assert.match(status, /^Uid:\s+65534\s+65534/m);
    assert.match(status, /^Gid:\s+65534\s+65534/m);
    await d.client.remove('as-nobody');
    const bad = await d.client.startNew({
      name: 'no-user',
      command: ['sleep', '300'],
      cwd: '/',
      options: { user: 'no-such-user-x' },
    });
    assert.equal(bad.status, 'failed');
    assert.match(bad.failed_reason ?? '', /no such user 'no-such-user-x'/);
    await d.client.remove('no-user');
  });

  test('oom-killed: a cgroup memory limit is the hard stop, and the run says so', async (t) => {
    const { detectCgroups } = await import('../../src/supervisor/cgroup.js');
    const cg = detectCgroups({ prepare: false });
    if (!cg.writable || !cg.controllers.includes('memory'))
      return t.skip(`no writable memory cgroup here (${cg.reason})`);
    // memory_restart 100%: the graceful restart can never come first, so the kernel's limit decides.
    const v = await d.client.startNew({
      name: 'oom',
      command: ['python3', '-c', 'x = bytearray(400 * 1024 * 1024); import time; time.sleep(60)'],
      cwd: '/',
      options: { limits: { memory: '64MiB', memory_restart: '100%' }, restart: 'never' },
    });
    assert.ok(v.cgroup, `has a cgroup: ${v.cgroup_note}`);
    const s = await waitFor('oom kill', async () => {
      const x = await d.client.inspect('oom');
      return x.last_exit ? x : null;
    });
    assert.equal(s.last_exit?.reason, 'oom-killed', JSON.stringify(s.last_exit));
    assert.match(s.last_exit?.detail ?? '', /out of memory/);
    await d.client.remove('oom');
  });

  test('max_concurrent refuses further starts with a clear message', async () => {
    const dir = `${d.home}/mc`;
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      `${dir}/vigil.yaml`,
      'daemon:\n  max_concurrent: 1\nservices:\n  one:\n    command: sleep 300\n  two:\n    command: sleep 300\n',
    );
    const r = await d.cli(['apply', `${dir}/vigil.yaml`]);
    assert.equal(r.code, 0, r.stderr);
    const list = await d.client.list();
    const running = list.filter((s) => s.pid !== null).map((s) => s.name);
    assert.equal(running.length, 1, `one runs: ${running}`);
    const refused = list.find((s) => s.pid === null && (s.name === 'one' || s.name === 'two'))!;
    assert.equal(refused.status, 'failed');
    assert.match(refused.failed_reason ?? '', /max_concurrent is 1/);
    writeFileSync(`${dir}/vigil.yaml`, 'services: {}\n');
    await d.cli(['apply', `${dir}/vigil.yaml`]);
  });
});
