import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveRuntimeDir, runtimeDirRecord } from '../../../src/daemon/runtime-dir.js';
import { tempHome } from '../../helpers/daemon.js';

const TMPFS_MAGIC = 0x01021994;
const shmIsTmpfs = (() => {
  try {
    return statfsSync('/dev/shm').type === TMPFS_MAGIC;
  } catch {
    return false;
  }
})();

/** A home with its run folder, as ensureHome makes it. */
function home(): string {
  const h = tempHome('vigil-rtdir-');
  mkdirSync(join(h, 'run'), { recursive: true });
  return h;
}

test(
  'FIFOs go to a private folder on the memory filesystem, and a later daemon finds the same one',
  { skip: shmIsTmpfs ? false : 'no tmpfs at /dev/shm on this machine' },
  () => {
    const h = home();
    // A private shm root of this test, so that the shared /dev/shm/vigil-UID is not touched.
    const shm = join('/dev/shm', `vigil-test-${process.pid}-${Date.now()}`);
    mkdirSync(shm, { mode: 0o700 });
    try {
      const r = resolveRuntimeDir(h, 'abc123', { env: {}, shm });
      assert.equal(r.kind, 'memory');
      assert.equal(r.dir, join(shm, `vigil-${process.getuid!()}`, 'abc123'));
      assert.equal(lstatSync(r.dir).mode & 0o777, 0o700, 'nobody else may open the FIFOs');
      assert.equal(lstatSync(join(shm, `vigil-${process.getuid!()}`)).mode & 0o777, 0o700);
      assert.equal(readFileSync(runtimeDirRecord(h), 'utf8').trim(), r.dir);
      // A later daemon with another environment still uses the folder its services' FIFOs are in.
      const again = resolveRuntimeDir(h, 'abc123', { env: {}, shm: '/nonexistent' });
      assert.equal(again.dir, r.dir);
      // After a reboot (folder gone) it chooses again.
      rmSync(r.dir, { recursive: true });
      const afterReboot = resolveRuntimeDir(h, 'abc123', { env: {}, shm: '/nonexistent' });
      assert.equal(afterReboot.dir, join(h, 'run', 'fifo'));
      assert.equal(afterReboot.kind, 'home');
    } finally {
      rmSync(shm, { recursive: true, force: true });
      rmSync(h, { recursive: true, force: true });
    }
  },
);

test(
  'a shared folder someone opened to others is not used: the FIFOs stay in VIGIL_HOME',
  { skip: shmIsTmpfs ? false : 'no tmpfs at /dev/shm on this machine' },
  () => {
    const h = home();
    const shm = join('/dev/shm', `vigil-test-${process.pid}-${Date.now()}-open`);
    mkdirSync(join(shm, `vigil-${process.getuid!()}`), { recursive: true });
    chmodSync(join(shm, `vigil-${process.getuid!()}`), 0o777);
    try {
      const r = resolveRuntimeDir(h, 'abc123', { env: {}, shm });
      assert.equal(r.kind, 'home');
      assert.equal(r.dir, join(h, 'run', 'fifo'));
      assert.match(r.reason, /open to other users \(mode 777\)/);
    } finally {
      rmSync(shm, { recursive: true, force: true });
      rmSync(h, { recursive: true, force: true });
    }
  },
);

test('VIGIL_RUNTIME_DIR is used when given, and a relative one is refused with the reason', () => {
  const h = home();
  const chosen = tempHome('vigil-rtdir-env-');
  try {
    const r = resolveRuntimeDir(h, 'abc123', { env: { VIGIL_RUNTIME_DIR: chosen } });
    assert.equal(r.dir, join(chosen, 'abc123'));
    assert.equal(r.reason, 'VIGIL_RUNTIME_DIR');
    const bad = resolveRuntimeDir(h, 'abc123', { env: { VIGIL_RUNTIME_DIR: 'relative/dir' } });
    assert.equal(bad.dir, join(h, 'run', 'fifo'));
    assert.match(bad.reason, /must be absolute/);
  } finally {
    rmSync(chosen, { recursive: true, force: true });
    rmSync(h, { recursive: true, force: true });
  }
});

test('no memory filesystem: the FIFOs stay in VIGIL_HOME/run/fifo', () => {
  const h = home();
  try {
    const r = resolveRuntimeDir(h, 'abc123', { env: {}, shm: h });
    assert.equal(r.kind, 'home');
    assert.equal(r.dir, join(h, 'run', 'fifo'));
    assert.match(r.reason, /no memory filesystem/);
  } finally {
    rmSync(h, { recursive: true, force: true });
  }
});
