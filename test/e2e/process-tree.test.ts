import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, type TestDaemon, withDaemon } from '../helpers/daemon.js';
import { fixture } from '../helpers/paths.js';
import { isAlive } from '../../src/supervisor/proc.js';

function outLog(d: TestDaemon, service: string): string {
  try {
    return readFileSync(join(d.home, 'logs', service, 'out.log'), 'utf8');
  } catch {
    return '';
  }
}

async function startTree(d: TestDaemon, name: string, mode: string, extra: Record<string, unknown> = {}) {
  const v = await d.client.startNew({
    name,
    command: ['python3', '-u', fixture('services', 'tree.py'), mode],
    cwd: '/',
    options: { stop_grace: '1s', ...extra },
  });
  await waitFor(`${name} ready`, () => outLog(d, name).includes('ready'));
  const m = /child (\d+)/.exec(outLog(d, name));
  return { pid: v.pid!, child: m ? Number(m[1]) : null };
}

import { detectCgroups } from '../../src/supervisor/cgroup.js';

const cgroups = detectCgroups({ prepare: false });
const modes: { label: string; env: Record<string, string>; skip: string | false }[] = [
  {
    label: 'with a cgroup',
    env: {},
    skip: cgroups.writable ? false : `no writable cgroup on this machine (${cgroups.reason})`,
  },
  { label: 'without a cgroup (walking /proc)', env: { VIGIL_CGROUPS: 'off' }, skip: false },
];

for (const mode of modes)
  describe(`process trees ${mode.label}: nothing left behind`, { skip: mode.skip }, () => {
    let d: TestDaemon;
    withDaemon((x) => (d = x), { env: mode.env });

    test('stop-kills-double-forked-grandchild', async () => {
      const { pid, child } = await startTree(d, 'double-fork', 'double-fork');
      const view = await d.client.inspect('double-fork');
      if (mode.env.VIGIL_CGROUPS === 'off') assert.equal(view.cgroup, null);
      else assert.ok(view.cgroup, `has a cgroup: ${view.cgroup_note}`);
      assert.ok(child && isAlive(child), 'grandchild running');
      const r = await d.client.stop('double-fork');
      assert.deepEqual(r.survivors, []);
      assert.ok(!isAlive(pid), 'main process gone');
      assert.ok(!isAlive(child), 'reparented grandchild gone');
    });

    test('stop-kills-setsid-child', async () => {
      const { pid, child } = await startTree(d, 'setsid', 'setsid');
      assert.ok(child && isAlive(child));
      const r = await d.client.stop('setsid');
      assert.deepEqual(r.survivors, []);
      assert.ok(!isAlive(pid));
      assert.ok(!isAlive(child), 'child that left the process group gone');
    });

    test('stop-kills-child-ignoring-sigterm after the grace period', async () => {
      const { pid } = await startTree(d, 'stubborn', 'ignore-term');
      const t0 = Date.now();
      const r = await d.client.stop('stubborn');
      const took = Date.now() - t0;
      assert.deepEqual(r.survivors, []);
      assert.ok(!isAlive(pid));
      assert.ok(took >= 900, `waited the 1 s grace period before SIGKILL (took ${took} ms)`);
      const last = (await d.client.inspect('stubborn')).last_exit!;
      assert.equal(last.signal, 'SIGKILL');
      assert.equal(last.reason, 'stopped');
    });

    test('pre_stop runs before the stop signal', async () => {
      const marker = join(d.home, 'pre-stop-ran');
      await startTree(d, 'drained', 'ignore-term', {
        pre_stop: [
          'sh',
          '-c',
          `echo "pid=$VIGIL_SERVICE_PID alive=$(kill -0 $VIGIL_SERVICE_PID && echo yes)" > ${marker}`,
        ],
      });
      const pid = (await d.client.inspect('drained')).pid!;
      await d.client.stop('drained');
      assert.equal(readFileSync(marker, 'utf8').trim(), `pid=${pid} alive=yes`);
    });

    test('a crash after healthy uptime restarts at once; quick crashes get growing delays', async () => {
      // Up for 1.5 s with backoff.reset 1 s: a "healthy" run, restarted without delay.
      await d.client.startNew({
        name: 'healthy-crash',
        command: ['python3', '-u', fixture('services', 'crash.py'), '1.5'],
        cwd: '/',
        options: { backoff: { initial: '1s', reset: '1s' } },
      });
      const first = (await d.client.inspect('healthy-crash')).pid;
      const v = await waitFor('restarted', async () => {
        const s = await d.client.inspect('healthy-crash');
        return s.restarts >= 1 && s.pid !== null && s.pid !== first ? s : null;
      });
      const gap = (await d.client.events({ service: 'healthy-crash', limit: 50 })).filter(
        (e) => e.kind === 'crash' || e.message.startsWith('started'),
      );
      const crashAt = gap.find((e) => e.kind === 'crash')!.t;
      const restartAt = gap.filter((e) => e.message.startsWith('started')).pop()!.t;
      assert.ok(restartAt - crashAt < 500, `restarted at once (${restartAt - crashAt} ms)`);
      assert.equal(v.last_exit?.reason, 'crashed');
      await d.client.remove('healthy-crash');

      // Crashes after 0.1 s with initial delay 200 ms: the gaps between starts grow (200, 400, 800 ms).
      await d.client.startNew({
        name: 'quick-crash',
        command: ['python3', '-u', fixture('services', 'crash.py'), '0.05'],
        cwd: '/',
        options: { backoff: { initial: '200ms', max: '5s', reset: '30s' } },
      });
      await waitFor('4 restarts', async () => (await d.client.inspect('quick-crash')).restarts >= 4, 20_000);
      const ev = await d.client.events({ service: 'quick-crash', limit: 100 });
      const crashes = ev.filter((e) => e.kind === 'crash').map((e) => e.t);
      const starts = ev.filter((e) => e.message.startsWith('started')).map((e) => e.t);
      const delays = crashes.slice(0, 3).map((c, i) => starts[i + 1]! - c);
      assert.ok(delays[0]! >= 150 && delays[0]! < 700, `first delay ~200 ms: ${delays}`);
      assert.ok(delays[1]! > delays[0]! * 1.5 && delays[2]! > delays[1]! * 1.5, `delays grow: ${delays}`);
      assert.ok(
        ['backoff', 'crash-loop', 'starting', 'running'].includes(
          (await d.client.inspect('quick-crash')).status,
        ),
      );
      await d.client.remove('quick-crash');
    });

    test('never-give-up shows crash-loop; a max_restarts budget moves the service to failed', async () => {
      await d.client.startNew({
        name: 'looper',
        command: ['sh', '-c', 'exit 3'],
        cwd: '/',
        options: { backoff: { initial: '10ms', max: '40ms', reset: '30s' } },
      });
      await waitFor(
        'crash-loop',
        async () => (await d.client.inspect('looper')).status === 'crash-loop',
        10_000,
        5,
      );
      const n = (await d.client.inspect('looper')).restarts;
      await waitFor('keeps retrying', async () => (await d.client.inspect('looper')).restarts > n + 3);
      await d.client.remove('looper');

      await d.client.startNew({
        name: 'budgeted',
        command: ['sh', '-c', 'exit 3'],
        cwd: '/',
        options: { backoff: { initial: '10ms', max: '20ms' }, max_restarts: '3 in 1m' },
      });
      const failed = await waitFor('failed', async () => {
        const s = await d.client.inspect('budgeted');
        return s.status === 'failed' ? s : null;
      });
      assert.equal(failed.restarts, 3);
      assert.match(failed.failed_reason ?? '', /gave up after 3 restarts/);
      const ev = await d.client.events({ service: 'budgeted' });
      assert.ok(
        ev.some((e) => e.kind === 'failed'),
        'a failed event is raised',
      );
      await d.client.remove('budgeted');
    });

    test('300 failed starts leave the daemon fd count unchanged (±2)', async () => {
      const fds = () => readdirSync(`/proc/${d.pid}/fd`).length;
      const before = fds();
      const kinds = [['/nonexistent/program'], ['no-such-command-vigil'], ['sh', '-c', 'exit 1']];
      for (let i = 0; i < 300; i++) {
        const name = `bad-${i}`;
        try {
          await d.client.startNew({
            name,
            command: kinds[i % 3]!,
            cwd: i % 7 === 0 ? '/no/such/dir' : '/',
            options: { restart: 'never' },
          });
        } catch {
          // some are refused outright
        }
        await waitFor(
          'settled',
          async () => {
            const s = await d.client.inspect(name);
            return s.status === 'failed' || s.status === 'stopped';
          },
          5000,
          5,
        );
        await d.client.remove(name);
      }
      const afterCount = fds();
      assert.ok(Math.abs(afterCount - before) <= 2, `daemon fds before ${before}, after ${afterCount}`);
    });
  });
