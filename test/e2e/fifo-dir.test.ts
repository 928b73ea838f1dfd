import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupHome, startDaemon, waitFor } from '../helpers/daemon.js';

const TMPFS_MAGIC = 0x01021994;

test('the FIFOs of services are made in a private memory folder, which `down` removes', async () => {
  let shm = false;
  try {
    shm = statfsSync('/dev/shm').type === TMPFS_MAGIC;
  } catch {
    // no /dev/shm
  }
  const d = await startDaemon();
  try {
    const info = (await d.client.info()) as unknown as {
      fifo_dir: { dir: string; kind: string; reason: string };
    };
    if (!shm) {
      assert.equal(info.fifo_dir.dir, join(d.home, 'run', 'fifo'));
      assert.equal(info.fifo_dir.kind, 'home');
      return;
    }
    assert.equal(info.fifo_dir.kind, 'memory', info.fifo_dir.reason);
    const dir = info.fifo_dir.dir;
    assert.equal(lstatSync(dir).mode & 0o777, 0o700);
    await d.client.startNew({
      name: 'talker',
      command: ['sh', '-c', 'while :; do echo tick; sleep 0.1; done'],
      cwd: d.home,
    });
    await waitFor(
      'its output captured',
      async () => (await d.client.logs('talker', { n: 1 })).lines.length > 0,
    );
    const fifos = readdirSync(dir).filter((f) => f.startsWith('talker.'));
    assert.deepEqual(fifos.filter((f) => f !== 'talker.go').sort(), ['talker.err', 'talker.out']);
    for (const f of fifos) assert.ok(lstatSync(join(dir, f)).isFIFO());
    assert.equal(existsSync(join(d.home, 'run', 'fifo', 'talker.out')), false, 'nothing made on the disk');
    const down = await d.cli(['down']);
    assert.equal(down.code, 0, down.stderr);
    await d.stop();
    assert.equal(existsSync(dir), false, 'down leaves nothing in memory');
  } finally {
    await d.stop();
    cleanupHome(d.home);
  }
});
