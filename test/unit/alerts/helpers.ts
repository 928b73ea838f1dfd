import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type DB } from '../../../src/store/db.js';
import { AlertEngine, type AlertEngineOptions } from '../../../src/alerts/engine.js';
import { SqliteAlertStore } from '../../../src/alerts/alert-store.js';

/** A real state database in a temporary folder, migrated like the daemon's. */
export function tempDb(): { db: DB; path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-alerts-'));
  const path = join(dir, 'state.db');
  const db = openDatabase(path);
  return {
    db,
    path,
    cleanup: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An engine over a fresh database, with messages in UTC so clock times are predictable. */
export function engine(opts: Partial<AlertEngineOptions> = {}): {
  engine: AlertEngine;
  store: SqliteAlertStore;
  db: DB;
  cleanup: () => void;
} {
  const t = tempDb();
  const store = new SqliteAlertStore(t.db);
  return {
    engine: new AlertEngine({ store, timeZone: 'UTC', ...opts }),
    store,
    db: t.db,
    cleanup: t.cleanup,
  };
}

export const TH = { fds: { warn: 0.7, fail: 0.9 }, memory: { warn: 0.7, fail: 0.9 } };

/** A sample with `fds` of 1000 descriptors and `rssPct` percent of 1000 MB of memory. */
export function sample(fds: number, rssPct = 10) {
  return { fds, fd_limit: 1000, rss_bytes: rssPct * 10_000_000, mem_limit_bytes: 1_000_000_000 };
}
