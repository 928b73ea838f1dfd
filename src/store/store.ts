import type { Statement } from 'better-sqlite3';
import type { DB } from './db.js';

export interface ServiceRow {
  name: string;
  source: 'file' | 'manual';
  config_json: string;
  file: string | null;
  desired: 'running' | 'stopped';
  restarts: number;
  hold_json: string | null;
  created_at: number;
  updated_at: number;
}

export interface RunRow {
  id: number;
  service: string;
  pid: number | null;
  start_ticks: number | null;
  started_at: number;
  ended_at: number | null;
  exit_code: number | null;
  signal: string | null;
  reason: string | null;
  last_stdout: string | null;
  last_stderr: string | null;
  last_sample_json: string | null;
  adopted: number;
  exit_known: number;
}

export interface EventRow {
  id: number;
  t: number;
  service: string | null;
  kind: string;
  message: string;
  data_json: string | null;
}

export interface RunEnd {
  ended_at: number;
  exit_code: number | null;
  signal: string | null;
  reason: string;
  exit_known: boolean;
  last_stdout?: string[];
  last_stderr?: string[];
  last_sample?: unknown;
}

/** Typed queries over the state database. Everything the daemon persists goes through here. */
export class Store {
  private readonly statements = new Map<string, Statement>();

  constructor(readonly db: DB) {}

  /** The statement for `text`, prepared once: preparing costs more than running most of these. */
  private sql(text: string): Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  listServices(): ServiceRow[] {
    return this.sql('SELECT * FROM services ORDER BY name').all() as ServiceRow[];
  }

  getService(name: string): ServiceRow | undefined {
    return this.sql('SELECT * FROM services WHERE name = ?').get(name) as ServiceRow | undefined;
  }

  upsertService(row: Omit<ServiceRow, 'created_at' | 'updated_at' | 'restarts' | 'hold_json'>): void {
    const now = Date.now();
    this.sql(
      `INSERT INTO services (name, source, config_json, file, desired, created_at, updated_at)
         VALUES (@name, @source, @config_json, @file, @desired, @now, @now)
         ON CONFLICT(name) DO UPDATE SET source = @source, config_json = @config_json, file = @file,
           desired = @desired, updated_at = @now`,
    ).run({ ...row, now });
  }

  setDesired(name: string, desired: 'running' | 'stopped'): void {
    this.sql('UPDATE services SET desired = ?, updated_at = ? WHERE name = ?').run(desired, Date.now(), name);
  }

  setRestarts(name: string, restarts: number): void {
    this.sql('UPDATE services SET restarts = ? WHERE name = ?').run(restarts, name);
  }

  setHold(name: string, hold: unknown): void {
    this.sql('UPDATE services SET hold_json = ? WHERE name = ?').run(
      hold === null || hold === undefined ? null : JSON.stringify(hold),
      name,
    );
  }

  deleteService(name: string): void {
    this.sql('DELETE FROM services WHERE name = ?').run(name);
  }

  beginRun(
    service: string,
    pid: number,
    startTicks: number | null,
    startedAt: number,
    adopted = false,
  ): number {
    const r = this.sql(
      'INSERT INTO runs (service, pid, start_ticks, started_at, adopted) VALUES (?, ?, ?, ?, ?)',
    ).run(service, pid, startTicks, startedAt, adopted ? 1 : 0);
    return Number(r.lastInsertRowid);
  }

  endRun(id: number, end: RunEnd): void {
    this.sql(
      `UPDATE runs SET ended_at = @ended_at, exit_code = @exit_code, signal = @signal, reason = @reason,
           exit_known = @exit_known, last_stdout = @last_stdout, last_stderr = @last_stderr,
           last_sample_json = @last_sample_json
         WHERE id = @id`,
    ).run({
      id,
      ended_at: end.ended_at,
      exit_code: end.exit_code,
      signal: end.signal,
      reason: end.reason,
      exit_known: end.exit_known ? 1 : 0,
      last_stdout: end.last_stdout ? JSON.stringify(end.last_stdout) : null,
      last_stderr: end.last_stderr ? JSON.stringify(end.last_stderr) : null,
      last_sample_json: end.last_sample === undefined ? null : JSON.stringify(end.last_sample),
    });
  }

  /** Runs still open (no end recorded): after a daemon crash, the processes to take back. */
  openRuns(): RunRow[] {
    return this.sql('SELECT * FROM runs WHERE ended_at IS NULL ORDER BY id').all() as RunRow[];
  }

  lastRuns(service: string, limit: number): RunRow[] {
    return this.sql('SELECT * FROM runs WHERE service = ? ORDER BY id DESC LIMIT ?').all(
      service,
      limit,
    ) as RunRow[];
  }

  lastEndedRun(service: string): RunRow | undefined {
    return this.sql(
      'SELECT * FROM runs WHERE service = ? AND ended_at IS NOT NULL ORDER BY id DESC LIMIT 1',
    ).get(service) as RunRow | undefined;
  }

  addEvent(service: string | null, kind: string, message: string, data?: unknown, at?: number): EventRow {
    const t = at ?? Date.now();
    const data_json = data === undefined ? null : JSON.stringify(data);
    const r = this.sql(
      'INSERT INTO events (t, service, kind, message, data_json) VALUES (?, ?, ?, ?, ?)',
    ).run(t, service, kind, message, data_json);
    return { id: Number(r.lastInsertRowid), t, service, kind, message, data_json };
  }

  events(opts: { sinceId?: number; service?: string; limit?: number }): EventRow[] {
    const limit = Math.min(opts.limit ?? 100, 10000);
    if (opts.service !== undefined) {
      return this.sql('SELECT * FROM events WHERE id > ? AND service = ? ORDER BY id DESC LIMIT ?')
        .all(opts.sinceId ?? 0, opts.service, limit)
        .reverse() as EventRow[];
    }
    return this.sql('SELECT * FROM events WHERE id > ? ORDER BY id DESC LIMIT ?')
      .all(opts.sinceId ?? 0, limit)
      .reverse() as EventRow[];
  }
}
