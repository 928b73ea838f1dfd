import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cleanupHome,
  runCli,
  startDaemon,
  tempHome,
  waitFor,
  type TestDaemon,
  withDaemon,
} from '../helpers/daemon.js';
import { isAlive } from '../../src/supervisor/proc.js';

function nofileOf(pid: number): { soft: string; hard: string } {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  assert.ok(m, 'no Max open files line');
  return { soft: m[1]!, hard: m[2]! };
}

describe('foundation: one daemon', () => {
  let d: TestDaemon;
  withDaemon((x) => (d = x));

  test('start, ls and stop a real process', async () => {
    const r = await d.cli(['start', '--name', 'sleeper', '--', 'sleep', '300']);
    assert.equal(r.code, 0, r.stderr);
    const list = await d.client.list();
    const s = list.find((x) => x.name === 'sleeper');
    assert.ok(s && s.pid, 'sleeper listed with a pid');
    assert.ok(isAlive(s.pid!), 'its process is alive');
    assert.ok(['starting', 'running'].includes(s.status));
    await waitFor('running', async () => (await d.client.inspect('sleeper')).status === 'running');
    const ls = await d.cli(['ls', '--json']);
    const arr = JSON.parse(ls.stdout) as { name: string; status: string }[];
    assert.ok(Array.isArray(arr));
    for (const key of [
      'name',
      'status',
      'pid',
      'restarts',
      'uptime_s',
      'fds',
      'fd_limit',
      'fds_total',
      'rss_bytes',
      'pss_bytes',
      'mem_limit_bytes',
      'leak',
    ]) {
      assert.ok(key in arr[0]!, `ls --json has ${key}`);
    }
    const stop = await d.cli(['stop', 'sleeper']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.ok(!isAlive(s.pid!), 'process gone after stop');
    assert.equal((await d.client.inspect('sleeper')).status, 'stopped');
    const rm = await d.cli(['rm', 'sleeper']);
    assert.equal(rm.code, 0);
    const gone = await d.cli(['inspect', 'sleeper']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /no service named 'sleeper'/);
    assert.equal(gone.stderr.trim().split('\n').length, 1, 'one-line error');
  });

  test('every API route without the token is 401; /health shows only the overall status', async () => {
    const base = `http://127.0.0.1:${d.port}`;
    const routes: [string, string][] = [
      ['GET', '/api/v1/daemon'],
      ['GET', '/api/v1/services'],
      ['POST', '/api/v1/services'],
      ['GET', '/api/v1/services/x'],
      ['POST', '/api/v1/services/x/start'],
      ['POST', '/api/v1/services/x/stop'],
      ['POST', '/api/v1/services/x/restart'],
      ['DELETE', '/api/v1/services/x'],
      ['POST', '/api/v1/apply'],
      ['GET', '/api/v1/events'],
      ['POST', '/api/v1/shutdown'],
    ];
    for (const [method, path] of routes) {
      const r = await fetch(base + path, { method });
      assert.equal(r.status, 401, `${method} ${path}`);
      const wrong = await fetch(base + path, { method, headers: { authorization: 'Bearer nope' } });
      assert.equal(wrong.status, 401, `${method} ${path} with a wrong token`);
    }
    const h = await fetch(base + '/health');
    assert.equal(h.status, 200);
    assert.deepEqual(Object.keys((await h.json()) as object), ['status']);
    const ha = await fetch(base + '/health', { headers: { authorization: `Bearer ${d.token}` } });
    assert.ok('checks' in ((await ha.json()) as object));
  });

  test('token file is private (0600) and the home 0700', () => {
    assert.equal(statSync(join(d.home, 'token')).mode & 0o777, 0o600);
    assert.equal(statSync(d.home).mode & 0o777, 0o700);
    assert.equal(statSync(join(d.home, 'state.db')).mode & 0o777, 0o600);
  });

  test('a second daemon on the same home is refused', async () => {
    const r = await runCli(d.home, ['up', '--port', '0']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /already running .*pid \d+/);
    assert.ok(await d.client.ping(), 'the first daemon is still up');
  });

  test("a child's nofile is as configured, with the default soft 1024", async () => {
    const a = await d.client.startNew({ name: 'nf-default', command: ['sleep', '300'], cwd: '/' });
    const b = await d.client.startNew({
      name: 'nf-custom',
      command: ['sleep', '300'],
      cwd: '/',
      options: { limits: { nofile: { soft: 256, hard: 512 } } },
    });
    // The pid is the exec wrapper's until it has set the limits and exec'd: wait for the exec.
    for (const pid of [a.pid!, b.pid!]) {
      await waitFor('exec', () => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'));
    }
    const daemonHard = nofileOf(d.pid).hard;
    assert.deepEqual(nofileOf(a.pid!), { soft: '1024', hard: daemonHard });
    assert.deepEqual(nofileOf(b.pid!), { soft: '256', hard: '512' });
    assert.deepEqual(a.nofile, { soft: 1024, hard: Number(daemonHard) });
    await d.client.remove('nf-default');
    await d.client.remove('nf-custom');
  });

  test('secret env values are never shown', async () => {
    const r = await d.cli([
      'start',
      '--name',
      'secretive',
      '--env',
      'API_TOKEN=s3cr3t-token',
      '--env',
      'db_password=hunter2',
      '--env',
      'PLAIN=visible',
      '--',
      'sleep',
      '300',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const outputs = [
      (await d.cli(['ls', '--json'])).stdout,
      (await d.cli(['inspect', 'secretive', '--json'])).stdout,
      (await d.cli(['inspect', 'secretive'])).stdout,
      (await d.cli(['events', '--json'])).stdout,
      JSON.stringify(await d.client.request('GET', '/api/v1/services/secretive')),
    ];
    for (const o of outputs) {
      assert.ok(!o.includes('s3cr3t-token') && !o.includes('hunter2'), 'secret leaked: ' + o.slice(0, 200));
    }
    assert.ok(outputs[1]!.includes('visible'), 'non-secret env is shown');
    await d.client.remove('secretive');
  });

  test('a wrong config is rejected whole, naming file:line:column and the field, and changes nothing', async () => {
    const dir = tempHome('vigil-badcfg-');
    const file = join(dir, 'vigil.yaml');
    writeFileSync(
      file,
      'services:\n  ok-one:\n    command: sleep 300\n  broken:\n    command: sleep 300\n    restrat: always\n',
    );
    const before = (await d.client.list()).map((s) => s.name);
    const r = await d.cli(['apply', file]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /vigil\.yaml:6:5: services\.broken\.restrat: unknown key.*did you mean 'restart'/);
    assert.deepEqual(
      (await d.client.list()).map((s) => s.name),
      before,
      'nothing was started',
    );
    const up = await runCli(tempHome('vigil-badup-'), ['up', file, '--port', '0']);
    assert.notEqual(up.code, 0);
    assert.match(up.stderr, /vigil\.yaml:6:5/);
    cleanupHome(dir);
  });

  test('apply makes the minimal change and leaves hand-started services alone', async () => {
    const dir = tempHome('vigil-apply-');
    const file = join(dir, 'vigil.yaml');
    await d.client.startNew({ name: 'by-hand', command: ['sleep', '300'], cwd: '/' });
    const byHandPid = (await d.client.inspect('by-hand')).pid;
    writeFileSync(
      file,
      'services:\n  a:\n    command: sleep 301\n  b:\n    command: sleep 302\n    stop_grace: 2s\n',
    );
    let r = await d.cli(['apply', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).started.sort(), ['a', 'b']);
    const pidA = (await d.client.inspect('a')).pid;
    const pidB = (await d.client.inspect('b')).pid;
    // b: a live-applicable change (grace period); a: unchanged; c: new.
    writeFileSync(
      file,
      'services:\n  a:\n    command: sleep 301\n  b:\n    command: sleep 302\n    stop_grace: 3s\n  c:\n    command: sleep 303\n',
    );
    r = await d.cli(['apply', file, '--json']);
    let res = JSON.parse(r.stdout);
    assert.deepEqual(res.started, ['c']);
    assert.deepEqual(res.updated, ['b']);
    assert.deepEqual(res.unchanged, ['a']);
    assert.equal((await d.client.inspect('a')).pid, pidA);
    assert.equal((await d.client.inspect('b')).pid, pidB, 'b not restarted for a live change');
    // a: command changed → restart; c removed → stopped and gone.
    writeFileSync(
      file,
      'services:\n  a:\n    command: sleep 304\n  b:\n    command: sleep 302\n    stop_grace: 3s\n',
    );
    r = await d.cli(['apply', file, '--json']);
    res = JSON.parse(r.stdout);
    assert.deepEqual(res.restarted, ['a']);
    assert.deepEqual(res.removed, ['c']);
    assert.notEqual((await d.client.inspect('a')).pid, pidA);
    assert.ok(!(await d.client.list()).some((s) => s.name === 'c'));
    assert.equal((await d.client.inspect('by-hand')).pid, byHandPid, 'hand-started service untouched');
    for (const n of ['a', 'b', 'by-hand']) await d.client.remove(n);
    cleanupHome(dir);
  });
});

describe('foundation: two daemons', () => {
  test('two daemons on different homes are independent', async () => {
    const d1 = await startDaemon();
    const d2 = await startDaemon();
    try {
      assert.notEqual(d1.port, d2.port);
      await d1.client.startNew({ name: 'same-name', command: ['sleep', '300'], cwd: '/' });
      await d2.client.startNew({ name: 'same-name', command: ['sleep', '300'], cwd: '/' });
      const p1 = (await d1.client.inspect('same-name')).pid!;
      const p2 = (await d2.client.inspect('same-name')).pid!;
      assert.notEqual(p1, p2);
      // Tokens differ: one daemon's token does not open the other.
      assert.notEqual(d1.token, d2.token);
      const cross = await fetch(`http://127.0.0.1:${d2.port}/api/v1/services`, {
        headers: { authorization: `Bearer ${d1.token}` },
      });
      assert.equal(cross.status, 401);
      await d1.client.stop('same-name');
      assert.ok(!isAlive(p1));
      assert.ok(isAlive(p2), "stopping d1's service leaves d2's alone");
      await d1.stop();
      assert.ok(isAlive(p2), "stopping d1 leaves d2's service alone");
      assert.ok(await d2.client.ping());
    } finally {
      await d1.stop();
      await d2.stop();
      cleanupHome(d1.home);
      cleanupHome(d2.home);
    }
  });
});
