import type Database from 'better-sqlite3';

/**
 * Versioned schema migrations. The database's `user_version` is the number of migrations applied;
 * each runs in its own transaction. Never edit a released migration: add a new one.
 */
export const migrations: { name: string; up: string }[] = [
  {
    name: 'initial: services, runs, events',
    up: `
      CREATE TABLE services (
        name TEXT PRIMARY KEY,
        source TEXT NOT NULL CHECK (source IN ('file', 'manual')),
        config_json TEXT NOT NULL,
        file TEXT,
        desired TEXT NOT NULL CHECK (desired IN ('running', 'stopped')),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        service TEXT NOT NULL,
        pid INTEGER,
        start_ticks INTEGER,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        exit_code INTEGER,
        signal TEXT,
        reason TEXT
      );
      CREATE INDEX runs_service ON runs(service, id);
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        t INTEGER NOT NULL,
        service TEXT,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        data_json TEXT
      );
      CREATE INDEX events_t ON events(t);
    `,
  },
  {
    name: 'runs: last output lines, last sample, adoption; services: manual overrides',
    up: `
      ALTER TABLE runs ADD COLUMN last_stdout TEXT;
      ALTER TABLE runs ADD COLUMN last_stderr TEXT;
      ALTER TABLE runs ADD COLUMN last_sample_json TEXT;
      ALTER TABLE runs ADD COLUMN adopted INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN exit_known INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE services ADD COLUMN restarts INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE services ADD COLUMN hold_json TEXT;
    `,
  },
  {
    name: 'history: raw samples, 1-minute and 15-minute aggregates, top-target counts',
    up: `
      CREATE TABLE samples_raw (
        service TEXT NOT NULL,
        t INTEGER NOT NULL,
        fds INTEGER,
        fd_limit INTEGER,
        fds_total INTEGER,
        rss_bytes INTEGER,
        pss_bytes INTEGER,
        mem_limit_bytes INTEGER,
        processes INTEGER
      );
      CREATE INDEX samples_raw_st ON samples_raw(service, t);
      CREATE TABLE samples_agg (
        service TEXT NOT NULL,
        res INTEGER NOT NULL,
        t INTEGER NOT NULL,
        n INTEGER NOT NULL,
        fds_min INTEGER, fds_max INTEGER, fds_mean REAL,
        fd_limit INTEGER,
        fds_total_max INTEGER,
        rss_min INTEGER, rss_max INTEGER, rss_mean REAL,
        pss_mean REAL,
        mem_limit_bytes INTEGER,
        PRIMARY KEY (service, res, t)
      );
      CREATE TABLE target_counts (
        service TEXT NOT NULL,
        t INTEGER NOT NULL,
        target TEXT NOT NULL,
        count INTEGER NOT NULL
      );
      CREATE INDEX target_counts_st ON target_counts(service, t);
    `,
  },
  // ---- alerts (branch `alerts`): keep this block last; renumber on merge if another migration lands first.
  {
    name: 'alerts: alert lifecycle history; leak-restart limiter state per service',
    up: `
      CREATE TABLE alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        service TEXT,
        kind TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
        status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
        message TEXT NOT NULL,
        opened_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        resolved_at INTEGER,
        acked_at INTEGER,
        data_json TEXT
      );
      CREATE INDEX alerts_status ON alerts(status, id);
      CREATE INDEX alerts_service ON alerts(service, id);
      CREATE UNIQUE INDEX alerts_one_open ON alerts(coalesce(service, ''), kind) WHERE status = 'open';
      CREATE TABLE leak_actions (
        service TEXT PRIMARY KEY,
        state_json TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  // ---- end of alerts block
];

/** Current schema version of this build. */
export const SCHEMA_VERSION = migrations.length;

/** Applies every migration the database has not seen yet. Refuses a database newer than this build. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(
      `state database is at schema version ${current}, newer than this Vigil (${migrations.length}); upgrade Vigil`,
    );
  }
  for (let v = current; v < migrations.length; v++) {
    const m = migrations[v]!;
    db.transaction(() => {
      db.exec(m.up);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
