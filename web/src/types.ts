// Shapes of the daemon's API as the dashboard reads them (see src/daemon/views.ts and docs/api.md).
// Every field the lead may not have wired yet is optional or nullable: views show "no data yet".

export interface LeakView {
  verdict: 'ok' | 'growing' | 'leak';
  slope_per_hour: number | null;
  eta_s: number | null;
  reason?: string;
}

export interface ServiceView {
  name: string;
  status: string;
  pid: number | null;
  restarts: number;
  uptime_s: number | null;
  fds: number | null;
  fd_limit: number | null;
  fds_total: number | null;
  rss_bytes: number | null;
  pss_bytes: number | null;
  mem_limit_bytes: number | null;
  sampled_at?: number | null;
  leak?: { fds: LeakView | null; rss: LeakView | null } | null;
  conditions?: string[];
  last_exit?: { code: number | null; signal: string | null; reason: string; at: number } | null;
  failed_reason?: string | null;
  command?: string[];
}

export interface Run {
  id: number;
  pid: number | null;
  started_at: number;
  ended_at: number | null;
  exit_code: number | null;
  signal: string | null;
  reason: string | null;
  exit_known?: boolean;
}

export interface Inspect extends ServiceView {
  runs?: Run[];
  fds_detail?: never;
  fds_info?: never;
  // `fds` in inspect is an object; ServiceView's fds is a number. Read it through fdsDetail().
  sockets?: {
    by_state?: Record<string, number>;
    by_remote?: { remote: string; protocol: string; state: string; count: number }[];
  } | null;
  processes?:
    | {
        pid: number;
        ppid: number;
        cmd: string;
        fds: number | null;
        fd_limit: number | null;
        rss_bytes: number | null;
      }[]
    | null;
}

export interface FdsDetail {
  total: number | null;
  limit: number | null;
  by_type?: Record<string, number>;
  top_targets?: { target: string; count: number; slope_per_hour: number | null }[];
}

export interface HistoryPoint {
  t: number;
  fds: number | null;
  fd_limit: number | null;
  fds_total?: number | null;
  rss_bytes: number | null;
  pss_bytes?: number | null;
  mem_limit_bytes: number | null;
}

export interface LogLine {
  t: number;
  stream: 'out' | 'err' | string;
  text: string;
}

export interface Alert {
  id: number;
  service: string;
  kind: string;
  severity: string;
  status: 'open' | 'resolved';
  message: string;
  opened_at: number;
  resolved_at: number | null;
  acked_at: number | null;
}

export interface EventRow {
  id: number;
  t: number;
  service: string | null;
  kind: string;
  message: string;
  data_json: string | null;
}

export interface Sample {
  service: string;
  t: number;
  fds: number | null;
  fd_limit: number | null;
  fds_total: number | null;
  rss_bytes: number | null;
  pss_bytes: number | null;
  mem_limit_bytes: number | null;
  leak?: { fds: LeakView | null; rss: LeakView | null } | null;
}
