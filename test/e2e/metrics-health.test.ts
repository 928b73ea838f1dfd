import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cleanupHome, startDaemon, waitFor } from '../helpers/daemon.js';

test('/metrics is Prometheus text that promtool accepts, with per-service fds, memory and leak figures', async (t) => {
  const d = await startDaemon();
  try {
    await d.client.startNew({
      name: 'metered',
      command: ['python3', '-c', 'import time\nf=[open("/dev/null") for _ in range(30)]\ntime.sleep(300)'],
      cwd: '/',
      options: { sample_interval: '1s' },
    });
    await waitFor(
      'sampled',
      async () => ((await d.client.list()).find((s) => s.name === 'metered')?.fds ?? 0) > 30,
    );
    const unauth = await fetch(`http://127.0.0.1:${d.port}/metrics`);
    assert.equal(unauth.status, 401);
    const r = await fetch(`http://127.0.0.1:${d.port}/metrics`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    assert.match(text, /^vigil_service_up\{service="metered"\} 1$/m);
    assert.match(text, /^vigil_service_fd_limit\{service="metered"\} 1024$/m);
    const fds = Number(/^vigil_service_open_fds\{service="metered"\} (\d+)$/m.exec(text)?.[1]);
    assert.ok(fds > 30, `open fds ${fds}`);
    assert.match(text, /^vigil_service_memory_rss_bytes\{service="metered"\} \d+$/m);
    assert.match(text, /^vigil_service_leak_verdict\{service="metered",metric="fds",verdict="ok"\} 1$/m);
    assert.match(text, /^process_open_fds \d+$/m);
    if (!existsSync('/usr/bin/promtool')) {
      t.diagnostic('promtool not installed (Debian package prometheus): format check skipped');
    } else {
      const p = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(p.status, 0, `promtool: ${p.stdout}${p.stderr}`);
    }
  } finally {
    await d.stop();
    cleanupHome(d.home);
  }
});

test('/health: overall status only without the token, per service with it; a service stopped on purpose is not a failure', async () => {
  const d = await startDaemon();
  try {
    const base = `http://127.0.0.1:${d.port}/health`;
    await d.client.startNew({ name: 'fine', command: ['sleep', '300'], cwd: '/' });
    await d.client.startNew({ name: 'parked', command: ['sleep', '300'], cwd: '/' });
    await d.client.stop('parked');
    let r = await fetch(base);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { status: 'pass' });
    await d.client.startNew({
      name: 'broken',
      command: ['sh', '-c', 'exit 1'],
      cwd: '/',
      options: { restart: 'never' },
    });
    await waitFor('failed', async () => (await d.client.inspect('broken')).status === 'failed');
    r = await fetch(base);
    assert.equal(r.status, 503);
    assert.deepEqual(await r.json(), { status: 'fail' }, 'no detail without the token');
    r = await fetch(base, { headers: { authorization: `Bearer ${d.token}` } });
    const body = (await r.json()) as { status: string; checks: Record<string, { status: string }[]> };
    assert.equal(body.checks['service:broken']![0]!.status, 'fail');
    assert.equal(body.checks['service:parked']![0]!.status, 'pass');
    assert.equal(body.checks['service:fine']![0]!.status, 'pass');
  } finally {
    await d.stop();
    cleanupHome(d.home);
  }
});
