import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/store/db.js';
import { migrations, SCHEMA_VERSION } from '../../../src/store/migrations.js';
import { Store } from '../../../src/store/store.js';

test('an old-version database (schema 1, with data) is migrated to the current version, keeping its data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mig-'));
  const path = join(dir, 'state.db');
  try {
    const old = new Database(path);
    old.exec(migrations[0]!.up);
    old.pragma('user_version = 1');
    old
      .prepare(
        "INSERT INTO services (name, source, config_json, file, desired, created_at, updated_at) VALUES ('web', 'file', '{}', '/x.yaml', 'running', 1, 1)",
      )
      .run();
    old
      .prepare("INSERT INTO runs (service, pid, start_ticks, started_at) VALUES ('web', 123, 456, 1000)")
      .run();
    old.close();

    const db = openDatabase(path);
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    const store = new Store(db);
    const svc = store.getService('web');
    assert.equal(svc?.desired, 'running');
    assert.equal(svc?.restarts, 0, 'new column has its default');
    const runs = store.openRuns();
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.pid, 123);
    assert.equal(runs[0]!.exit_known, 1);
    store.endRun(runs[0]!.id, {
      ended_at: 2000,
      exit_code: 1,
      signal: null,
      reason: 'crashed',
      exit_known: true,
      last_stderr: ['boom'],
    });
    assert.deepEqual(JSON.parse(store.lastEndedRun('web')!.last_stderr!), ['boom']);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a database newer than this build is refused with a clear message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mig-'));
  const path = join(dir, 'state.db');
  try {
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    assert.throws(() => openDatabase(path), /newer than this Vigil/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
