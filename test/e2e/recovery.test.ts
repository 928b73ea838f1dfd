import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { cleanupHome, processesOf, startDaemon, tempHome, waitFor } from '../helpers/daemon.js';
import { isAlive } from '../../src/supervisor/proc.js';

test('daemon kill -9: the next daemon takes services back (same pid, no duplicate) and restarts the dead', async () => {
  const home = tempHome();
  let d = await startDaemon({ home });
  try {
    await d.client.startNew({ name: 'survivor', command: ['sleep', '300'], cwd: '/' });
    await d.client.startNew({ name: 'victim', command: ['sleep', '300'], cwd: '/' });
    await d.client.startNew({ name: 'stopped-one', command: ['sleep', '300'], cwd: '/' });
    await d.client.stop('stopped-one');
    const pid = (await d.client.inspect('survivor')).pid!;
    const victimPid = (await d.client.inspect('victim')).pid!;
    await d.kill9();
    assert.ok(isAlive(pid), 'a daemon crash does not kill services');
    process.kill(victimPid, 'SIGKILL'); // dies while the daemon is down
    await waitFor('victim gone', () => !isAlive(victimPid), 20_000);

    d = await startDaemon({ home });
    const s = await d.client.inspect('survivor');
    assert.equal(s.pid, pid, 'same pid taken back');
    assert.equal(s.status, 'running');
    assert.deepEqual(processesOf(home, 'survivor'), [pid], 'no duplicate started');
    const v = await waitFor(
      'victim restarted',
      async () => {
        const x = await d.client.inspect('victim');
        return x.pid && x.pid !== victimPid ? x : null;
      },
      20_000,
    ).catch(async (err: unknown) => {
      const x = await d.client.inspect('victim');
      const log = readFileSync(join(home, 'daemon.log'), 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(`${String(err)}\nvictim: ${JSON.stringify(x)}\ndaemon.log:\n${log}`);
    });
    assert.ok(isAlive(v.pid!));
    const runs = v.runs as { pid: number; exit_known: boolean; reason: string }[];
    const lost = runs.find((r) => r.pid === victimPid)!;
    assert.equal(
      lost.exit_known,
      false,
      'exit status of a process that died while the daemon was down is unknown',
    );
    assert.equal(
      (await d.client.inspect('stopped-one')).status,
      'stopped',
      'a service stopped on purpose stays stopped',
    );

    // A taken-back process is still supervised: when it dies, it is restarted per policy.
    process.kill(pid, 'SIGKILL');
    const again = await waitFor(
      'survivor restarted',
      async () => {
        const x = await d.client.inspect('survivor');
        return x.pid && x.pid !== pid ? x : null;
      },
      20_000,
    );
    assert.equal(again.last_exit?.exit_known, false);
    assert.match(again.last_exit?.detail ?? '', /unknown/);
    // And stopping the restarted one leaves nothing behind.
    await d.client.stop('survivor');
    assert.deepEqual(processesOf(home, 'survivor'), []);
  } finally {
    await d.stop();
    cleanupHome(home);
  }
});

test('down --leave-running keeps services up and the next up takes them back', async () => {
  const home = tempHome();
  let d = await startDaemon({ home });
  try {
    await d.client.startNew({ name: 'kept', command: ['sleep', '300'], cwd: '/' });
    const pid = (await d.client.inspect('kept')).pid!;
    const r = await d.cli(['down', '--leave-running']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('daemon exited', () => d.child.exitCode !== null);
    assert.ok(isAlive(pid), 'service still running without a daemon');
    d = await startDaemon({ home });
    assert.equal((await d.client.inspect('kept')).pid, pid);
    // A plain `down` stops the services too.
    const r2 = await d.cli(['down']);
    assert.equal(r2.code, 0, r2.stderr);
    assert.ok(!isAlive(pid), 'down stops services');
  } finally {
    await d.stop();
    cleanupHome(home);
  }
});

test('a reused pid is never mistaken for a service: start time is checked', async () => {
  const home = tempHome();
  let d = await startDaemon({ home });
  try {
    await d.client.startNew({ name: 'reuse', command: ['sleep', '300'], cwd: '/' });
    const pid = (await d.client.inspect('reuse')).pid!;
    await d.kill9();
    // Simulate reuse: the recorded start time no longer matches the process with that pid.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(`${home}/state.db`);
    db.prepare('UPDATE runs SET start_ticks = start_ticks - 1 WHERE pid = ?').run(pid);
    db.close();
    d = await startDaemon({ home });
    const s = await waitFor(
      'new process',
      async () => {
        const x = await d.client.inspect('reuse');
        return x.pid && x.pid !== pid ? x : null;
      },
      20_000,
    );
    assert.notEqual(s.pid, pid, 'the process with the reused pid is not taken back');
    process.kill(pid, 'SIGKILL'); // the impostor was not ours to manage
  } finally {
    await d.stop();
    cleanupHome(home);
  }
});
