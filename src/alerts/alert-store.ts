import type { DB } from '../store/db.js';
import type { Alert, AlertPersistence, AlertQuery, LeakActionState } from './types.js';

interface AlertRow extends Omit<Alert, 'data'> {
  data_json: string | null;
}

function fromRow(r: AlertRow): Alert {
  const { data_json, ...rest } = r;
  return { ...rest, data: data_json ? (JSON.parse(data_json) as Record<string, unknown>) : {} };
}

function toParams(a: Omit<Alert, 'id'> & { id?: number }): Record<string, unknown> {
  const { data, ...rest } = a;
  return { id: null, ...rest, data_json: JSON.stringify(data) };
}

/** Alerts and leak-limiter state in the state database (tables `alerts` and `leak_actions`). */
export class SqliteAlertStore implements AlertPersistence {
  constructor(private readonly db: DB) {}

  openAlerts(): Alert[] {
    return (
      this.db.prepare("SELECT * FROM alerts WHERE status = 'open' ORDER BY id").all() as AlertRow[]
    ).map(fromRow);
  }

  insert(a: Omit<Alert, 'id'>): Alert {
    const r = this.db
      .prepare(
        `INSERT INTO alerts (service, kind, severity, status, message, opened_at, updated_at, resolved_at, acked_at, data_json)
         VALUES (@service, @kind, @severity, @status, @message, @opened_at, @updated_at, @resolved_at, @acked_at, @data_json)`,
      )
      .run(toParams(a));
    return { id: Number(r.lastInsertRowid), ...a };
  }

  update(a: Alert): void {
    this.db
      .prepare(
        `UPDATE alerts SET severity = @severity, status = @status, message = @message, updated_at = @updated_at,
           resolved_at = @resolved_at, acked_at = @acked_at, data_json = @data_json WHERE id = @id`,
      )
      .run(toParams(a));
  }

  get(id: number): Alert | undefined {
    const r = this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined;
    return r ? fromRow(r) : undefined;
  }

  list(q: AlertQuery): Alert[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.status !== undefined) {
      where.push('status = ?');
      args.push(q.status);
    }
    if (q.service !== undefined) {
      where.push('service = ?');
      args.push(q.service);
    }
    args.push(Math.min(Math.max(1, q.limit ?? 100), 10_000));
    const sql = `SELECT * FROM alerts ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args) as AlertRow[]).map(fromRow);
  }

  leakState(service: string): LeakActionState | undefined {
    const r = this.db.prepare('SELECT state_json FROM leak_actions WHERE service = ?').get(service) as
      { state_json: string } | undefined;
    return r ? (JSON.parse(r.state_json) as LeakActionState) : undefined;
  }

  setLeakState(service: string, state: LeakActionState | null, now: number): void {
    if (state === null) {
      this.db.prepare('DELETE FROM leak_actions WHERE service = ?').run(service);
      return;
    }
    this.db
      .prepare(
        `INSERT INTO leak_actions (service, state_json, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(service) DO UPDATE SET state_json = excluded.state_json, updated_at = excluded.updated_at`,
      )
      .run(service, JSON.stringify(state), now);
  }
}
