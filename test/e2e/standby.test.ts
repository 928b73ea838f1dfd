import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';

import {
  cleanupHome,
  processesOf,
  standbysOf,
  startDaemon,
  tempHome,
  waitFor,
  type TestDaemon,
  withDaemon,
} from '../helpers/daemon.js';
import { homeId } from '../../src/daemon/home.js';
import { isAlive } from '../../src/supervisor/proc.js';
import { MARKER_KEY } from '../../src/supervisor/service.js';
import { detectCgroups } from '../../src/supervisor/cgroup.js';
import { nativeSpawnStatus } from '../../src/supervisor/native-spawn.js';

// A service that says who it is, then waits: its output shows which process wrote it.
const SPEAKER = [
  'python3',
  '-u',
  '-c',
  'import os, time\nprint("hello from", os.getpid(), flush=True)\ntime.sleep(300)',
];
const FAST_RESTART = { backoff: { initial: 0, max: 0, reset: 0 }, min_uptime: 0 };

function environ(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
}

function softNofile(pid: number): number {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'))!;
  return Number(line.split(/\s{2,}/)[1]);
}

const cgroups = detectCgroups({ prepare: false });

describe('standby: a crash is replaced by a process started ahead of time', () => {
  let d: TestDaemon;
  withDaemon((x) => (d = x));

  test('crash-is-replaced-by-the-standby-with-limits-marker-cgroup-and-logs', async () => {
    await d.client.startNew({
      name: 'speaker',
      command: SPEAKER,
      cwd: '/',
      options: { ...FAST_RESTART, limits: { nofile: { soft: 777 } } },
    });
    const first = (await d.client.inspect('speaker')).pid!;
    const [standby] = await waitFor('a standby', () => {
      const s = standbysOf(d.home, 'speaker');
      return s.length === 1 ? s : null;
    });
    assert.ok(standby !== undefined);
    assert.equal(softNofile(standby), 777, 'the standby already has the service limits');
    assert.equal((await d.client.inspect('speaker')).standby_pid, standby, 'inspect names the standby');

    process.kill(first, 'SIGKILL');
    const next = await waitFor('replacement', async () => {
      const v = await d.client.inspect('speaker');
      return v.pid && v.pid !== first ? v.pid : null;
    });
    assert.equal(next, standby, 'the replacement is the standby process');
    const env = environ(next);
    assert.ok(env.includes(`${MARKER_KEY}=${homeId(d.home)}/speaker`), 'it carries the service marker');
    assert.ok(!env.some((v) => v.startsWith('VIGIL_STANDBY')), 'and no standby variable');
    assert.equal(softNofile(next), 777);
    const view = await d.client.inspect('speaker');
    if (cgroups.writable) {
      assert.ok(view.cgroup);
      const own = readFileSync(`/proc/${next}/cgroup`, 'utf8');
      assert.ok(own.includes('/speaker'), `in the service's cgroup: ${own}`);
    }
    // Its output is captured like any other run's.
    const logs = await waitFor('replacement output', async () => {
      const r = await d.cli(['logs', 'speaker', '-n', '10']);
      return r.stdout.includes(`hello from ${next}`) ? r.stdout : null;
    });
    assert.ok(logs.includes(`hello from ${first}`), 'the first run’s output is there too');
    const events = await d.cli(['events', '--json']);
    assert.match(events.stdout, new RegExp(`started, pid ${next} \\(from its standby\\)`));

    // A new standby is made for the next crash, and is not counted as part of the service's tree.
    const [second] = await waitFor('next standby', () => {
      const s = standbysOf(d.home, 'speaker');
      return s.length === 1 && s[0] !== standby ? s : null;
    });
    assert.ok(second !== undefined && second !== next);
  });

  test('a-standby-is-not-part-of-the-service-tree', async () => {
    await d.client.startNew({
      name: 'counted',
      command: SPEAKER,
      cwd: '/',
      options: { ...FAST_RESTART, sample_interval: '1s' },
    });
    const pid = (await d.client.inspect('counted')).pid!;
    await waitFor('a standby', () => standbysOf(d.home, 'counted').length === 1);
    const t0 = Date.now();
    const v = await waitFor(
      'a sample taken with the standby waiting',
      async () => {
        const x = await d.client.inspect('counted');
        return x.sampled_at !== null && x.sampled_at > t0 ? x : null;
      },
      15_000,
    );
    const own = readdirSync(`/proc/${pid}/fd`).length;
    assert.equal(v.fds_total, own, 'the tree is the service process alone');
    if (v.cgroup) {
      // The crash check looks for leftovers in the cgroup: the standby is not one (it survives a crash).
      const standby = standbysOf(d.home, 'counted')[0]!;
      process.kill(pid, 'SIGKILL');
      await waitFor('replaced', async () => (await d.client.inspect('counted')).pid === standby);
    }
  });

  test('stop-and-rm-leave-no-standby', async () => {
    await d.client.startNew({ name: 'stopper', command: SPEAKER, cwd: '/', options: FAST_RESTART });
    await waitFor('a standby', () => standbysOf(d.home, 'stopper').length === 1);
    await d.client.stop('stopper');
    await waitFor('standby gone after stop', () => standbysOf(d.home, 'stopper').length === 0, 5000);
    await d.client.start('stopper');
    await waitFor('a standby again', () => standbysOf(d.home, 'stopper').length === 1);
    await d.client.remove('stopper');
    await waitFor('standby gone after rm', () => standbysOf(d.home, 'stopper').length === 0, 5000);
  });

  test('standby-false-and-restart-never-keep-none', async () => {
    await d.client.startNew({
      name: 'plain',
      command: SPEAKER,
      cwd: '/',
      options: { ...FAST_RESTART, standby: false },
    });
    await d.client.startNew({
      name: 'once',
      command: SPEAKER,
      cwd: '/',
      options: { restart: 'never' },
    });
    await new Promise((r) => setTimeout(r, 1500)); // past the delay before a standby is made
    assert.deepEqual(standbysOf(d.home, 'plain'), []);
    assert.deepEqual(standbysOf(d.home, 'once'), []);
    const first = (await d.client.inspect('plain')).pid!;
    process.kill(first, 'SIGKILL');
    const next = await waitFor('plain restarted', async () => {
      const v = await d.client.inspect('plain');
      return v.pid && v.pid !== first ? v.pid : null;
    });
    assert.ok(isAlive(next));
  });
});

test('daemon-kill-9-leaves-a-standby-the-next-daemon-kills-it', async () => {
  const home = tempHome();
  let d = await startDaemon({ home });
  try {
    await d.client.startNew({ name: 'orphan', command: SPEAKER, cwd: '/', options: FAST_RESTART });
    const pid = (await d.client.inspect('orphan')).pid!;
    const [stale] = await waitFor('a standby', () => {
      const s = standbysOf(home, 'orphan');
      return s.length === 1 ? s : null;
    });
    await d.kill9();
    assert.ok(isAlive(stale!), 'the standby outlives a killed daemon');
    d = await startDaemon({ home });
    await waitFor('stale standby killed', () => !isAlive(stale!), 5000);
    assert.equal((await d.client.inspect('orphan')).pid, pid, 'the service itself is taken back');
    // The taken-back service gets no standby (it is not the daemon's child), and still restarts on a crash.
    process.kill(pid, 'SIGKILL');
    const next = await waitFor(
      'restarted',
      async () => {
        const v = await d.client.inspect('orphan');
        return v.pid && v.pid !== pid ? v.pid : null;
      },
      10_000,
    );
    await waitFor('a standby for the new run', () => standbysOf(home, 'orphan').length === 1);
    process.kill(next, 'SIGKILL');
    await waitFor('replaced again', async () => {
      const v = await d.client.inspect('orphan');
      return v.pid && v.pid !== next ? v.pid : null;
    });
  } finally {
    await d.stop();
    await waitFor('down leaves no standby', () => standbysOf(home, 'orphan').length === 0, 5000);
    cleanupHome(home);
  }
});

test('spawn-method: vfork where the addon is built, and the child_process fallback supervises the same', async () => {
  const native = nativeSpawnStatus();
  for (const env of [{}, { VIGIL_NATIVE_SPAWN: 'off' }] as Record<string, string>[]) {
    const d = await startDaemon({ env });
    try {
      const info = await d.client.info();
      const want = 'VIGIL_NATIVE_SPAWN' in env || !native.native ? 'child_process' : 'vfork';
      assert.equal(info.spawn.method, want, info.spawn.reason);
      await d.client.startNew({ name: 'svc', command: SPEAKER, cwd: '/', options: FAST_RESTART });
      await d.client.startNew({
        name: 'nostandby',
        command: ['sh', '-c', 'echo up; exit 3'],
        cwd: '/',
        options: { ...FAST_RESTART, standby: false },
      });
      const first = (await d.client.inspect('svc')).pid!;
      const [standby] = await waitFor('a standby', () => {
        const s = standbysOf(d.home, 'svc');
        return s.length === 1 ? s : null;
      });
      process.kill(first, 'SIGKILL');
      await waitFor('replaced by the standby', async () => (await d.client.inspect('svc')).pid === standby);
      // A service that exits at once is restarted again and again, its exit codes read each time.
      const v = await waitFor('several restarts', async () => {
        const x = await d.client.inspect('nostandby');
        return x.restarts >= 3 ? x : null;
      });
      assert.equal(v.last_exit?.code, 3);
      await d.client.stop('svc');
      await d.client.stop('nostandby');
      assert.deepEqual(processesOf(d.home, 'svc'), []);
      await waitFor('no standby left', () => standbysOf(d.home, 'svc').length === 0, 5000);
    } finally {
      await d.stop();
      cleanupHome(d.home);
    }
  }
});
