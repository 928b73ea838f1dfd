import { redactEnv } from '../config/secrets.js';
import type { ShownInstant } from '../schedule/describe.js';
import type { Service } from '../supervisor/service.js';
import type { ServiceSource } from '../supervisor/supervisor.js';

/** A metric's leak verdict as `ls` and `inspect` show it. */
export interface LeakView {
  verdict: 'ok' | 'growing' | 'leak';
  slope_per_hour: number | null;
  eta_s: number | null;
}

/** Latest resource figures of a service (filled by the probe). */
export interface ResourceView {
  fds: number | null;
  fd_limit: number | null;
  fds_total: number | null;
  rss_bytes: number | null;
  pss_bytes: number | null;
  mem_limit_bytes: number | null;
  sampled_at: number | null;
}

/** One row of `vigil ls --json` (the contract in DESIGN.md). */
export interface ServiceView extends ResourceView {
  name: string;
  status: string;
  pid: number | null;
  restarts: number;
  uptime_s: number | null;
  leak: { fds: LeakView | null; rss: LeakView | null };
  nofile: { soft: number; hard: number };
  source: ServiceSource;
  file: string | null;
  command: string[];
  cwd: string | null;
  env: Record<string, string>;
  last_exit: Service['lastExit'];
  failed_reason: string | null;
  survivors: { pid: number; cmd: string }[];
  /** Conditions beside the status (open alerts, held leak restarts). */
  conditions: string[];
  /** The service's cgroup (exact membership, kernel-enforced limits), or null without one. */
  cgroup: { version: number; paths: string[] } | null;
  /** Why there is no cgroup, or which limits the kernel does not enforce. */
  cgroup_note: string | null;
  /** Pid of the standby waiting to replace the service after a crash (a `sh` already in its cgroup), or null. */
  standby_pid: number | null;
  /** A scheduled service's next window start (in its zone and UTC), or null. */
  next_start: ShownInstant | null;
}

export function serviceView(
  svc: Service,
  source: { source: ServiceSource; file: string | null },
  resources: ResourceView,
  leak: { fds: LeakView | null; rss: LeakView | null },
  conditions: string[] = [],
): ServiceView {
  return {
    name: svc.name,
    status: svc.status,
    pid: svc.pid,
    restarts: svc.restarts,
    uptime_s: svc.pid !== null ? Math.round(svc.uptimeMs / 1000) : null,
    ...resources,
    leak,
    nofile: svc.nofile(),
    source: source.source,
    file: source.file,
    command: svc.argv(),
    cwd: svc.config.cwd ?? null,
    env: redactEnv(Object.fromEntries(Object.entries(svc.config.env ?? {}).map(([k, v]) => [k, String(v)]))),
    last_exit: svc.lastExit,
    failed_reason: svc.failedReason,
    survivors: svc.survivors,
    conditions,
    cgroup: svc.cgroup ? { version: svc.cgroup.version, paths: svc.cgroup.paths } : null,
    cgroup_note: svc.cgroupNote,
    standby_pid: svc.standbyPid,
    next_start: null,
  };
}
