/** Shapes shared by the alert engine, its store, the leak-restart limiter and the webhook notifier. */

/** Every condition Vigil raises an alert for. Identity of an open alert: service + kind. */
export type AlertKind =
  | 'fds-utilisation'
  | 'memory-utilisation'
  | 'leak-fds'
  | 'leak-memory'
  | 'leak-loop'
  | 'crash-loop'
  | 'failed'
  | 'oom-killed'
  | 'fd-exhaustion'
  | 'health'
  | 'disk-full'
  | 'daemon-fds';

export type Severity = 'warning' | 'critical';
export type AlertStatus = 'open' | 'resolved';

export interface Alert {
  id: number;
  /** The service concerned; null for the daemon's own trouble (disk-full, daemon-fds). */
  service: string | null;
  kind: AlertKind;
  severity: Severity;
  status: AlertStatus;
  /** The situation in plain words, kept up to date while the alert is open. */
  message: string;
  opened_at: number;
  updated_at: number;
  resolved_at: number | null;
  acked_at: number | null;
  data: Record<string, unknown>;
}

/** What a call to the engine changed, for events and notifications. */
export interface Transition {
  type: 'opened' | 'escalated' | 'resolved' | 'acked';
  /** A snapshot of the alert after the change. */
  alert: Alert;
}

export interface AlertQuery {
  status?: AlertStatus;
  service?: string;
  limit?: number;
}

/** State of the leak-restart limiter of one service; the caller persists it between calls. */
export interface LeakActionState {
  /** When the last leak restart was decided (ms), or null. */
  last_restart_at: number | null;
  /** True once a leak restart was needed again within min_interval: held until the leak-loop alert is acknowledged. */
  held: boolean;
  held_since: number | null;
}

/** Where the engine keeps alerts and limiter state (SQLite in the daemon: SqliteAlertStore). */
export interface AlertPersistence {
  /** Alerts still open, to take back after a daemon restart. */
  openAlerts(): Alert[];
  insert(a: Omit<Alert, 'id'>): Alert;
  update(a: Alert): void;
  get(id: number): Alert | undefined;
  list(q: AlertQuery): Alert[];
  leakState(service: string): LeakActionState | undefined;
  setLeakState(service: string, state: LeakActionState | null, now: number): void;
}
