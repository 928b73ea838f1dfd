// The daemon's own memory: what can be pinned without asserting on RSS (which depends on the machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDaemon } from '../../src/daemon/run.js';
import { scheduleLibsLoaded } from '../../src/schedule/lazy-libs.js';
import { cleanupHome, startDaemon, tempHome, waitFor } from '../helpers/daemon.js';

const MiB = 1024 * 1024;

test('vigil up runs the daemon with a small V8 young generation, also with services being sampled', async () => {
  const d = await startDaemon();
  try {
    for (let i = 0; i < 10; i++)
      await d.client.startNew({
        name: `s${i}`,
        command: ['sleep', '300'],
        cwd: '/',
        options: { sample_interval: '1s' },
      });
    await waitFor('sampled', async () => (await d.client.list()).every((s) => s.fds !== null));
    const text = await (
      await fetch(`http://127.0.0.1:${d.port}/metrics`, { headers: { authorization: `Bearer ${d.token}` } })
    ).text();
    const newSpace = Number(/^nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)$/m.exec(text)?.[1]);
    // Node's default lets it grow to 32 MiB (two 16 MiB semi-spaces); the daemon keeps its initial size.
    assert.ok(newSpace > 0 && newSpace <= 4 * MiB, `new space ${newSpace} bytes`);
    assert.match(text, /^nodejs_heap_size_total_bytes \d+$/m);
    assert.match(text, /^nodejs_external_memory_bytes \d+$/m);
  } finally {
    await d.stop();
    cleanupHome(d.home);
  }
});

test('per-service state (logs, samples, leak detectors, history buckets) is released when a service is removed', async () => {
  const home = tempHome();
  const daemon = await runDaemon({ home, port: 0, bind: '127.0.0.1', handleSignals: false });
  try {
    const file = join(home, 'vigil.yaml');
    const services = (n: number) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
          `s${i}`,
          { command: ['sleep', '300'], cwd: '/', sample_interval: '1s' },
        ]),
      );
    writeFileSync(file, JSON.stringify({ services: services(6) }));
    await daemon.apply(file, JSON.stringify({ services: services(6) }));
    await waitFor('sampled', () =>
      Promise.resolve(daemon.list().every((s) => s.fds !== null) && daemon.perServiceState().history === 6),
    );
    assert.deepEqual(daemon.perServiceState(), { services: 6, logs: 6, monitor: 6, history: 6 });
    await daemon.apply(file, JSON.stringify({ services: services(2) }));
    assert.deepEqual(daemon.perServiceState(), { services: 2, logs: 2, monitor: 2, history: 2 });
    // Without a schedule, the time-zone and iCalendar libraries (about 2 MiB of heap) are never loaded.
    daemon.list();
    assert.deepEqual(scheduleLibsLoaded(), { luxon: false, ical: false });
  } finally {
    await daemon.shutdown({ leaveRunning: false });
    cleanupHome(home);
  }
});
