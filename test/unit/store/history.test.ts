import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/store/db.js';
import { History } from '../../../src/store/history.js';

function withHistory(fn: (h: History, db: ReturnType<typeof openDatabase>) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-hist-'));
  const db = openDatabase(join(dir, 'state.db'));
  try {
    fn(new History(db), db);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const point = (t: number, fds: number, rss: number) => ({
  t,
  fds,
  fd_limit: 1024,
  fds_total: fds + 3,
  rss_bytes: rss,
  pss_bytes: null,
  mem_limit_bytes: 1 << 30,
});

test('history: raw points, 1-minute min/max/mean built as samples arrive, queries pick the resolution', () => {
  withHistory((h, db) => {
    const now = Date.now();
    const m0 = Math.floor((now - 600_000) / 60_000) * 60_000;
    // Two minutes of samples every 5 s: fds 100..111 in the first minute, 200..211 in the second.
    for (let i = 0; i < 24; i++) h.record('web', point(m0 + i * 5000, (i < 12 ? 100 : 188) + i, 1000 + i), 1);
    const raw = h.query('web', m0 - 1);
    assert.equal(raw.resolution, 'raw');
    assert.equal(raw.points.length, 24);
    const agg = db
      .prepare(
        'SELECT t, n, fds_min, fds_max, fds_mean FROM samples_agg WHERE service = ? AND res = 60000 ORDER BY t',
      )
      .all('web') as { t: number; n: number; fds_min: number; fds_max: number; fds_mean: number }[];
    assert.deepEqual(
      agg.map((a) => [a.t - m0, a.n, a.fds_min, a.fds_max, a.fds_mean]),
      [
        [0, 12, 100, 111, 105.5],
        [60_000, 12, 200, 211, 205.5],
      ],
    );
    // Beyond the raw retention, the 1-minute points answer (max fds of each minute).
    h.retention = { raw: 60_000, minute: 7 * 86_400_000, quarter: 90 * 86_400_000 };
    const older = h.query('web', now - 3 * 3600_000);
    assert.equal(older.resolution, '1m');
    assert.deepEqual(
      older.points.map((p) => p.fds),
      [111, 211],
    );
  });
});

test('history: retention prunes each resolution; forget removes a service', () => {
  withHistory((h, db) => {
    const now = Date.now();
    h.retention = { raw: 3600_000, minute: 2 * 3600_000, quarter: 24 * 3600_000 };
    h.record('a', point(now - 5 * 3600_000, 1, 1), 1);
    h.record('a', point(now - 90 * 60_000, 2, 2), 1);
    h.record('a', point(now - 60_000, 3, 3), 1);
    h.prune(now);
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    assert.equal(
      count("SELECT count(*) n FROM samples_raw WHERE service = 'a'"),
      1,
      'raw: only the last hour',
    );
    assert.equal(
      count("SELECT count(*) n FROM samples_agg WHERE service = 'a' AND res = 60000"),
      2,
      'minutes: 2 h',
    );
    assert.equal(
      count("SELECT count(*) n FROM samples_agg WHERE service = 'a' AND res = 900000"),
      3,
      'quarters: a day',
    );
    h.forget('a');
    assert.equal(count('SELECT count(*) n FROM samples_raw'), 0);
    assert.equal(count('SELECT count(*) n FROM samples_agg'), 0);
  });
});

test('history: growth per hour of each top target', () => {
  withHistory((h) => {
    const now = Date.now();
    for (let i = 0; i <= 30; i++) {
      const t = now - (30 - i) * 60_000;
      h.record('api', point(t, 10 + i, 0), 1, [
        { target: 'logs.db (+ -wal, -shm)', count: 100 + 2 * i },
        { target: 'pipe', count: 4 },
      ]);
    }
    const g = h.targetGrowth('api', 3600_000, now + 1);
    assert.ok(
      Math.abs(g.get('logs.db (+ -wal, -shm)')! - 120) < 1e-6,
      `+2 a minute is +120/h: ${g.get('logs.db (+ -wal, -shm)')}`,
    );
    assert.equal(g.get('pipe'), 0);
  });
});
