import { readdirSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Daemon } from '../daemon/daemon.js';
import { ownNofile } from '../daemon/limits.js';

type Labels = Record<string, string>;

/** Escapes a label value for the Prometheus text format. */
function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

class Family {
  readonly samples: string[] = [];
  constructor(
    readonly name: string,
    readonly type: 'gauge' | 'counter',
    readonly help: string,
  ) {}
  add(labels: Labels, value: number | null | undefined): void {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    const l = Object.entries(labels)
      .map(([k, v]) => `${k}="${esc(v)}"`)
      .join(',');
    this.samples.push(`${this.name}${l ? `{${l}}` : ''} ${value}`);
  }
  render(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n${this.samples.join('\n')}${this.samples.length ? '\n' : ''}`;
  }
}

/** The daemon's metrics in the Prometheus text exposition format (version 0.0.4). */
export function renderMetrics(daemon: Daemon): string {
  const f = {
    up: new Family('vigil_service_up', 'gauge', 'Whether the service has a running process (1) or not (0).'),
    status: new Family('vigil_service_status', 'gauge', 'The service status, as a label (value 1).'),
    restarts: new Family(
      'vigil_service_restarts_total',
      'counter',
      'Restarts of the service since it was added.',
    ),
    fds: new Family(
      'vigil_service_open_fds',
      'gauge',
      'Open fds of the service process nearest its own limit.',
    ),
    fdLimit: new Family(
      'vigil_service_fd_limit',
      'gauge',
      'Soft fd limit of the service process nearest its limit.',
    ),
    fdsTotal: new Family(
      'vigil_service_open_fds_all_processes',
      'gauge',
      'Open fds of all the service processes together.',
    ),
    byType: new Family(
      'vigil_service_fds_by_type',
      'gauge',
      'Open fds of the service by type (last classification).',
    ),
    rss: new Family('vigil_service_memory_rss_bytes', 'gauge', 'Resident memory of the whole service tree.'),
    pss: new Family(
      'vigil_service_memory_pss_bytes',
      'gauge',
      'Proportional set size of the whole service tree.',
    ),
    memLimit: new Family(
      'vigil_service_memory_limit_bytes',
      'gauge',
      'Memory limit of the service (or the machine).',
    ),
    verdict: new Family(
      'vigil_service_leak_verdict',
      'gauge',
      'Leak verdict per metric, as a label (value 1).',
    ),
    slope: new Family(
      'vigil_service_leak_slope_per_hour',
      'gauge',
      'Growth of the metric per hour (fds or bytes).',
    ),
    eta: new Family('vigil_service_leak_eta_seconds', 'gauge', 'Seconds until the predicted exhaustion.'),
    alerts: new Family('vigil_alerts_open', 'gauge', 'Open alerts by service and severity.'),
    rssSelf: new Family('process_resident_memory_bytes', 'gauge', 'Resident memory of the Vigil daemon.'),
    heap: new Family('nodejs_heap_used_bytes', 'gauge', 'V8 heap used by the Vigil daemon.'),
    heapTotal: new Family('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap reserved by the Vigil daemon.'),
    external: new Family(
      'nodejs_external_memory_bytes',
      'gauge',
      'Memory of the Vigil daemon outside the V8 heap held by JavaScript objects (buffers, typed arrays).',
    ),
    spaceSize: new Family(
      'nodejs_heap_space_size_total_bytes',
      'gauge',
      'Size of each V8 heap space of the Vigil daemon.',
    ),
    spaceUsed: new Family(
      'nodejs_heap_space_size_used_bytes',
      'gauge',
      'Used part of each V8 heap space of the Vigil daemon.',
    ),
    cpu: new Family('process_cpu_seconds_total', 'counter', 'CPU time of the Vigil daemon (user + system).'),
    openFds: new Family('process_open_fds', 'gauge', 'Open fds of the Vigil daemon.'),
    maxFds: new Family('process_max_fds', 'gauge', 'Soft fd limit of the Vigil daemon.'),
    start: new Family(
      'process_start_time_seconds',
      'gauge',
      'Start time of the Vigil daemon (Unix seconds).',
    ),
  };
  for (const v of daemon.list()) {
    const s = { service: v.name };
    f.up.add(s, v.pid !== null ? 1 : 0);
    f.status.add({ ...s, status: v.status }, 1);
    f.restarts.add(s, v.restarts);
    f.fds.add(s, v.fds);
    f.fdLimit.add(s, v.fd_limit);
    f.fdsTotal.add(s, v.fds_total);
    f.rss.add(s, v.rss_bytes);
    f.pss.add(s, v.pss_bytes);
    f.memLimit.add(s, v.mem_limit_bytes);
    for (const [metric, l] of Object.entries(v.leak)) {
      if (!l) continue;
      f.verdict.add({ ...s, metric, verdict: l.verdict }, 1);
      f.slope.add({ ...s, metric }, l.slope_per_hour);
      f.eta.add({ ...s, metric }, l.eta_s);
    }
    const w = daemon.monitor.watches.get(v.name);
    const byType = w && w.pid === v.pid ? w.classified?.classified?.by_type : undefined;
    for (const [type, n] of Object.entries(byType ?? {})) f.byType.add({ ...s, type }, n);
  }
  const open = daemon.alerting?.engine.list({ status: 'open', limit: 10_000 }) ?? [];
  const counts = new Map<string, number>();
  for (const a of open) {
    const k = `${a.service ?? ''}\0${a.severity}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  for (const [k, n] of counts) {
    const [service, severity] = k.split('\0') as [string, string];
    f.alerts.add({ service, severity }, n);
  }
  const mem = process.memoryUsage();
  f.rssSelf.add({}, mem.rss);
  f.heap.add({}, mem.heapUsed);
  f.heapTotal.add({}, mem.heapTotal);
  f.external.add({}, mem.external);
  for (const sp of getHeapSpaceStatistics()) {
    const space = sp.space_name.replace(/_space$/, '');
    f.spaceSize.add({ space }, sp.space_size);
    f.spaceUsed.add({ space }, sp.space_used_size);
  }
  const cpu = process.cpuUsage();
  f.cpu.add({}, (cpu.user + cpu.system) / 1e6);
  try {
    f.openFds.add({}, readdirSync('/proc/self/fd').length);
  } catch {
    // not Linux
  }
  f.maxFds.add({}, ownNofile().soft);
  f.start.add({}, Math.round(daemon.startedAt / 1000));
  return Object.values(f)
    .map((x) => x.render())
    .join('');
}
