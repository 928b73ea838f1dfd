import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cleanupHome,
  processesOf,
  startDaemon,
  tempHome,
  waitFor,
  type TestDaemon,
} from '../helpers/daemon.js';
import { isAlive } from '../../src/supervisor/proc.js';

/** "HH:MM:SS" in UTC of an instant (whole seconds). */
function hms(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/** The next whole second at least `ms` from now. */
function secondsFromNow(ms: number): number {
  return Math.ceil((Date.now() + ms) / 1000) * 1000;
}

/**
 * Writes a vigil.yaml with services `names` (each running `command`, `sleep 300` by default) in the given
 * UTC windows, and applies it.
 */
async function applySchedule(
  d: TestDaemon,
  dir: string,
  names: string | string[],
  windows: Array<{ startMs: number; stopMs: number }>,
  opts: { command?: string; backoff?: string } = {},
): Promise<string> {
  const file = join(dir, 'vigil.yaml');
  const ws = windows
    .map(
      (w) => `      - { start: '${hms(w.startMs)}', stop: '${hms(w.stopMs)}', days: daily, timezone: UTC }\n`,
    )
    .join('');
  const services = (Array.isArray(names) ? names : [names])
    .map(
      (name) =>
        `  ${name}:\n    command: ${opts.command ?? 'sleep 300'}\n    stop_grace: 2s\n` +
        `    backoff: { initial: ${opts.backoff ?? '100ms'} }\n    schedule:\n${ws}`,
    )
    .join('');
  writeFileSync(file, `services:\n${services}`);
  const r = await d.cli(['apply', file]);
  assert.equal(r.code, 0, r.stderr);
  return file;
}

interface Run {
  pid: number;
  started_at: number;
  ended_at: number | null;
}

test('a window opening in 3 s starts the service, and its close 3 s later stops it, on time', async (t) => {
  const home = tempHome();
  const d = await startDaemon({ home });
  try {
    const startMs = secondsFromNow(3000);
    const stopMs = startMs + 3000;
    await applySchedule(d, home, 'win', [{ startMs, stopMs }]);

    const before = await d.client.inspect('win');
    assert.equal(before.status, 'scheduled', 'waiting for its window');
    assert.equal(before.pid, null, 'a scheduled service does not autostart outside its window');
    assert.equal(before.next_start?.ms, startMs);
    const ls = await d.cli(['ls']);
    assert.match(ls.stdout, new RegExp(`win\\s+scheduled next \\S+ ${hms(startMs)} UTC`));
    const sched = await d.cli(['schedule', '--json']);
    assert.equal(sched.code, 0, sched.stderr);
    const [entry] = JSON.parse(sched.stdout) as Array<{
      service: string;
      next_start: { utc: string; ms: number; zone: string };
      next_stop: { utc: string; ms: number };
      active: boolean;
    }>;
    assert.equal(entry?.service, 'win');
    assert.equal(entry?.next_start.ms, startMs);
    assert.equal(entry?.next_start.utc, new Date(startMs).toISOString().replace('.000Z', 'Z'));
    assert.equal(entry?.next_start.zone, 'UTC');
    assert.equal(entry?.next_stop.ms, stopMs);
    assert.equal(entry?.active, false);
    const table = await d.cli(['schedule']);
    assert.match(table.stdout, new RegExp(`win\\s+waiting\\s+\\S+ ${hms(startMs)} UTC`));

    const pid = await waitFor('started by its window', async () => (await d.client.inspect('win')).pid, 8000);
    assert.ok(isAlive(pid));
    await waitFor(
      'stopped at its window’s close',
      async () => (await d.client.inspect('win')).status === 'scheduled',
      8000,
    );
    assert.deepEqual(processesOf(home, 'win'), [], 'nothing left running');
    const runs = (await d.client.inspect('win')).runs as Run[];
    assert.equal(runs.length, 1);
    const run = runs[0]!;
    const startLate = run.started_at - startMs;
    const stopLate = run.ended_at! - stopMs;
    t.diagnostic(`start lateness ${startLate} ms, stop lateness ${stopLate} ms (process gone)`);
    const events = await d.client.events({ service: 'win', limit: 100 });
    const lates = events
      .filter((e) => e.kind === 'schedule' && e.data_json)
      .map((e) => (JSON.parse(e.data_json!) as { lateness_ms?: number | null }).lateness_ms)
      .filter((x) => typeof x === 'number');
    t.diagnostic(`enforcer decision lateness: ${lates.join(', ')} ms`);
    // Generous bounds (a shared two-core machine); the figures above are the measurement.
    assert.ok(startLate >= 0 && startLate < 1500, `started ${startLate} ms after the window opened`);
    assert.ok(stopLate >= 0 && stopLate < 2500, `stopped ${stopLate} ms after the window closed`);
  } finally {
    await d.stop();
    cleanupHome(home);
  }
});

test('a daemon restarted after a missed stop boundary stops the service at once and restarts none', async (t) => {
  const home = tempHome();
  let d = await startDaemon({ home });
  try {
    const startMs = secondsFromNow(1000);
    const stopMs = startMs + 3000;
    await applySchedule(d, home, ['missed', 'died'], [{ startMs, stopMs }]);
    const pid = await waitFor('started', async () => (await d.client.inspect('missed')).pid, 8000);
    const diedPid = await waitFor('started', async () => (await d.client.inspect('died')).pid, 8000);
    await d.kill9();
    process.kill(diedPid, 'SIGKILL'); // dies while the daemon is down
    await new Promise((r) => setTimeout(r, Math.max(0, stopMs + 500 - Date.now())));
    assert.ok(isAlive(pid), 'the service outlived the daemon and ran past its stop');
    const t0 = Date.now();
    d = await startDaemon({ home });
    await waitFor('stopped after the restart', () => !isAlive(pid), 5000, 10);
    t.diagnostic(`stopped ${Date.now() - t0} ms after the new daemon was launched`);
    // A taken-back process's exit is seen by polling, so the status follows a little later.
    await waitFor('status scheduled', async () => (await d.client.inspect('missed')).status === 'scheduled');
    assert.deepEqual(processesOf(home, 'missed'), []);
    const died = await d.client.inspect('died');
    assert.equal(died.status, 'scheduled');
    assert.equal(
      (died.runs as Run[]).length,
      1,
      'the one that died while the daemon was down is not restarted',
    );
    assert.deepEqual(processesOf(home, 'died'), []);
  } finally {
    await d.stop();
    cleanupHome(home);
  }
});

test('inside a window: a crash restarts, a manual stop holds across ticks and a daemon restart, start clears it', async () => {
  const home = tempHome();
  let d = await startDaemon({ home });
  try {
    const startMs = Math.floor(Date.now() / 1000) * 1000 - 10_000;
    const stopMs = startMs + 120_000;
    const file = await applySchedule(d, home, 'held', [{ startMs, stopMs }]);
    const pid = await waitFor('started at apply', async () => (await d.client.inspect('held')).pid);
    process.kill(pid, 'SIGKILL');
    const pid2 = await waitFor('restarted by policy inside the window', async () => {
      const p = (await d.client.inspect('held')).pid;
      return p && p !== pid ? p : null;
    });

    const stop = await d.cli(['stop', 'held']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.ok(!isAlive(pid2));
    // A re-apply of the same file is a tick; the hold must survive it.
    assert.equal((await d.cli(['apply', file])).code, 0);
    await new Promise((r) => setTimeout(r, 300));
    let v = await d.client.inspect('held');
    assert.equal(v.pid, null, 'held down inside the window');
    assert.match(v.conditions.join(' '), /held until/);
    // The hold persists: a new daemon (reconciling inside the window) does not start it either.
    await d.kill9();
    d = await startDaemon({ home });
    await new Promise((r) => setTimeout(r, 300));
    v = await d.client.inspect('held');
    assert.equal(v.pid, null, 'still held after a daemon restart');
    const sched = (await d.client.schedule())[0]!;
    assert.equal(sched.held_until?.ms, stopMs);

    assert.equal((await d.cli(['start', 'held'])).code, 0);
    v = await d.client.inspect('held');
    assert.ok(v.pid && isAlive(v.pid), 'a manual start inside the window runs it');
    assert.equal((await d.client.schedule())[0]!.held_until, null, 'and clears the hold');
  } finally {
    await d.stop();
    cleanupHome(home);
  }
});

test('outside every window: a manual start runs until the end of the next window, across a daemon restart', async () => {
  const home = tempHome();
  let d = await startDaemon({ home });
  try {
    // A window an hour from now (whole seconds, so the times are exact).
    const startMs = secondsFromNow(3600_000);
    const stopMs = startMs + 600_000;
    const file = await applySchedule(d, home, 'byhand', [{ startMs, stopMs }]);
    assert.equal((await d.client.inspect('byhand')).status, 'scheduled');
    assert.equal((await d.cli(['start', 'byhand'])).code, 0);
    const pid = (await d.client.inspect('byhand')).pid!;
    assert.ok(isAlive(pid));
    const entry = (await d.client.schedule())[0]!;
    assert.equal(entry.manual_run?.until?.ms, stopMs, 'runs until the end of the next window');
    assert.equal((await d.cli(['apply', file])).code, 0); // a tick
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await d.client.inspect('byhand')).pid, pid, 'not stopped by the schedule');
    await d.kill9();
    d = await startDaemon({ home });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await d.client.inspect('byhand')).pid, pid, 'still running after a daemon restart');
    assert.ok(isAlive(pid));
    // Changing the schedule clears the manual run: the service is outside the new window too, so it stops.
    await applySchedule(d, home, 'byhand', [{ startMs: startMs + 60_000, stopMs }]);
    await waitFor('stopped once the schedule changed', () => !isAlive(pid), 5000);
    // A taken-back process's exit is seen by polling, so the status follows a little later.
    await waitFor('status scheduled', async () => (await d.client.inspect('byhand')).status === 'scheduled');
  } finally {
    await d.stop();
    cleanupHome(home);
  }
});

test('a holiday calendar skips today’s window, survives a daemon restart, and a broken .ics is refused naming the file', async () => {
  const home = tempHome();
  let d = await startDaemon({ home });
  try {
    const startMs = Math.floor(Date.now() / 1000) * 1000 - 5000;
    const today = new Date(startMs).toISOString().slice(0, 10); // the day the window starts
    const file = join(home, 'vigil.yaml');
    const yaml = (cal: string) =>
      `calendars:\n  closed:\n${cal}services:\n  hol:\n    command: sleep 300\n    schedule:\n` +
      `      - { start: '${hms(startMs)}', stop: '${hms(startMs + 60_000)}', days: daily, timezone: UTC, calendar: closed }\n`;
    writeFileSync(file, yaml(`    dates: ['${today}']\n`));
    let r = await d.cli(['apply', file]);
    assert.equal(r.code, 0, r.stderr);
    const check = async () => {
      const v = await d.client.inspect('hol');
      assert.equal(v.pid, null, 'not started on a holiday');
      assert.equal(v.status, 'scheduled');
      assert.equal(v.next_start?.ms, startMs + 86_400_000, 'next start is tomorrow');
    };
    await check();
    await d.stop();
    d = await startDaemon({ home });
    await new Promise((res) => setTimeout(res, 300));
    await check();

    const ics = join(home, 'broken.ics');
    writeFileSync(ics, 'this is not an iCalendar file\n');
    writeFileSync(file, yaml(`    ics: ./broken.ics\n`));
    r = await d.cli(['apply', file]);
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.includes(ics), `the error names the .ics file: ${r.stderr}`);
    assert.ok(r.stderr.includes(file), 'and the vigil.yaml');
  } finally {
    await d.stop();
    cleanupHome(home);
  }
});

test('a crash just before the close is not restarted after it (backoff cancelled by the close)', async () => {
  const home = tempHome();
  const d = await startDaemon({ home });
  try {
    // Open now, closing in about 3 s; the service crashes after 1 s and its restart would come 3 s later.
    const startMs = Math.floor(Date.now() / 1000) * 1000 - 10_000;
    const stopMs = secondsFromNow(3000);
    await applySchedule(d, home, 'crashy', [{ startMs, stopMs }], {
      command: "sh -c 'sleep 1; exit 1'",
      backoff: '3s',
    });
    await waitFor('started', async () => (await d.client.inspect('crashy')).pid);
    await waitFor(
      'crashed, waiting to restart',
      async () => (await d.client.inspect('crashy')).status === 'backoff',
    );
    await new Promise((r) => setTimeout(r, Math.max(0, stopMs + 4000 - Date.now())));
    const v = await d.client.inspect('crashy');
    assert.equal(v.status, 'scheduled');
    assert.equal(v.pid, null);
    assert.equal((v.runs as Run[]).length, 1, 'no restart after the window closed');
  } finally {
    await d.stop();
    cleanupHome(home);
  }
});

test('a window opening while max_concurrent services run raises a schedule-refused event; the start is retried', async () => {
  const home = tempHome();
  const d = await startDaemon({ home });
  try {
    const startMs = secondsFromNow(2000);
    const file = join(home, 'vigil.yaml');
    writeFileSync(
      file,
      `daemon:\n  max_concurrent: 1\nservices:\n  hog:\n    command: sleep 300\n  late:\n    command: sleep 300\n` +
        `    schedule:\n      - { start: '${hms(startMs)}', stop: '${hms(startMs + 60_000)}', days: daily, timezone: UTC }\n`,
    );
    assert.equal((await d.cli(['apply', file])).code, 0);
    const refused = await waitFor(
      'schedule-refused event',
      async () => (await d.client.events({ service: 'late' })).find((e) => e.kind === 'schedule-refused'),
      8000,
    );
    assert.match(refused.message, /max_concurrent is 1/);
    assert.equal((await d.client.inspect('late')).pid, null);
    // A slot frees; the next tick (here: a re-apply of the same file) starts it.
    assert.equal((await d.cli(['stop', 'hog'])).code, 0);
    assert.equal((await d.cli(['apply', file])).code, 0);
    const pid = await waitFor(
      'started once a slot is free',
      async () => (await d.client.inspect('late')).pid,
    );
    assert.ok(isAlive(pid));
    const events = await d.client.events({ service: 'late' });
    assert.equal(events.filter((e) => e.kind === 'schedule-refused').length, 1, 'reported once');
  } finally {
    await d.stop();
    cleanupHome(home);
  }
});
