import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupHome, startDaemon, waitFor } from '../helpers/daemon.js';
import { isAlive } from '../../src/supervisor/proc.js';

test('full disk under VIGIL_HOME: service alive, daemon alive, event raised, dropped lines counted, recovery when space returns', async (t) => {
  const mnt = mkdtempSync(join(tmpdir(), 'vigil-fulldisk-'));
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) {
    rmSync(mnt, { recursive: true, force: true });
    return t.skip(`cannot mount a tmpfs here (${(m.stderr || m.error?.message || '').trim()}); needs root`);
  }
  const home = join(mnt, 'home');
  const d = await startDaemon({ home });
  try {
    await d.client.startNew({
      name: 'chatty',
      // ~1 MB/s of numbered lines
      command: [
        'python3',
        '-u',
        '-c',
        'import time\ni=0\nwhile True:\n    print(f"line {i} " + "x"*200); i+=1\n    if i % 50 == 0: time.sleep(0.01)',
      ],
      cwd: '/',
      options: { logs: { max_size: '64MiB' } },
    });
    const pid = (await d.client.inspect('chatty')).pid!;
    await waitFor(
      'disk full',
      async () => {
        const logs = (await d.client.inspect('chatty')).logs as { dropped_lines: number } | null;
        return logs && logs.dropped_lines > 0;
      },
      30_000,
      200,
    );
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(isAlive(pid), 'the service keeps running');
    assert.ok(await d.client.ping(), 'the daemon stays up');
    const v = await d.client.inspect('chatty');
    assert.equal(v.pid, pid);
    const dropped = (v.logs as { dropped_lines: number }).dropped_lines;
    assert.ok(dropped > 0, `dropped lines counted: ${dropped}`);
    // The event is raised (live, and in the database when it still has room).
    const ev = await d.client.events({ service: 'chatty', limit: 200 });
    const full = ev.some((e) => e.kind === 'disk-full');
    t.diagnostic(`disk-full event stored: ${full}; dropped so far ${dropped}`);
    // Space returns: writing resumes.
    assert.equal(spawnSync('mount', ['-o', 'remount,size=64m', mnt]).status, 0);
    await waitFor(
      'recovered',
      async () =>
        (await d.client.events({ service: 'chatty', limit: 500 })).some((e) => e.kind === 'disk-recovered'),
      20_000,
      200,
    );
    const tail = (await d.client.logs('chatty', { n: 2000, stream: 'out' })).lines.map((l) => l.text);
    assert.ok(
      tail.some((l) => /lines dropped \(disk full\)/.test(l)),
      'a marker line records the dropped lines',
    );
    const after = await d.client.events({ service: 'chatty', limit: 500 });
    assert.ok(
      after.some((e) => e.kind === 'disk-full'),
      'the disk-full event is in the history once the database can be written again',
    );
    await d.client.stop('chatty');
  } finally {
    await d.stop();
    cleanupHome(home);
    spawnSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
});
