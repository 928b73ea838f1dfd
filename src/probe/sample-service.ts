import { performance } from 'node:perf_hooks';
import { errorMessage } from '../errors.js';
import { countFdsSync } from './count-fds.js';
import { classifyFdTarget, FD_TYPES, type FdTarget, type FdType } from './fd-target.js';
import { readFdLinks, type ReadlinkMode } from './fd-scan.js';
import { finiteLimit, parseProcLimits } from './parse-limits.js';
import { parseSmapsRollup } from './parse-smaps-rollup.js';
import { parseProcStat } from './parse-stat.js';
import { parseProcStatus } from './parse-status.js';
import { readProcText, readProcTextSync } from './proc-read.js';
import { netNamespaceOf, readSocketTable, socketTargetName, type SocketTable } from './socket-table.js';
import { probeSupport, type Unsupported } from './support.js';
import { TimeSlicer } from './time-slicer.js';
import { topTargets, type TargetCount, type TopTarget } from './top-targets.js';

/** What to measure beyond the cheap counts. */
export interface SampleOptions {
  /** Read every fd link: by_type, top_targets and sockets (a readlink per fd). */
  classify: boolean;
  /** Read smaps_rollup for PSS (takes each process's memory-map lock). */
  pss: boolean;
  /** Longest command line kept per process (default 200 characters). */
  cmdMax?: number;
  /** With readlink 'sliced-sync': longest stretch of synchronous fd reads before yielding (default 2 ms). */
  sliceMs?: number;
  /** How fd links are read (default 'worker': off the event loop's thread). */
  readlink?: ReadlinkMode;
}

/** One process of a service at one sample. */
export interface ProcessSample {
  pid: number;
  ppid: number;
  /** Command line (NULs as spaces, truncated); "[comm]" when the kernel gives none (zombies, kernel threads). */
  cmd: string;
  /** 'Z' for a zombie (counted as dead: no fds, no memory). */
  state: string;
  start_ticks: number;
  fds: number;
  /** Soft RLIMIT_NOFILE; null if unknown. */
  fd_limit: number | null;
  fd_limit_hard: number | null;
  rss_bytes: number;
  swap_bytes: number;
  /** null when PSS was not asked for or the kernel did not give it. */
  pss_bytes: number | null;
  threads: number;
}

/** Sockets of a service, resolved through /proc/PID/net. */
export interface SocketSummary {
  /** TCP sockets (v4 and v6) by state name. */
  by_state: Record<string, number>;
  /** Sockets by protocol: tcp, udp, unix, other (netlink, packet, … or not resolvable). */
  by_protocol: Record<string, number>;
  /** Connected TCP/UDP sockets grouped by remote endpoint and state, largest first (top 50). */
  by_remote: { remote: string; protocol: 'tcp' | 'udp'; state: string; count: number }[];
}

/** The classification part of a sample. */
export interface FdClassification {
  by_type: Record<FdType, number>;
  top_targets: TopTarget[];
  sockets: SocketSummary;
}

/** One sample of a service's processes. */
export interface ServiceSample {
  /** Wall-clock time of the sample, ms since the epoch. */
  t: number;
  processes: ProcessSample[];
  /** Pids asked for that were gone (or exited mid-read). */
  gone: number[];
  /** Processes that could not be read for another reason (left out of the sums). */
  errors: { pid: number; message: string }[];
  /** The process with the highest ratio of fds to its own soft limit (zombies excluded); null if none. */
  pid: number | null;
  fds: number;
  fd_limit: number | null;
  fds_total: number;
  rss_bytes: number;
  swap_bytes: number;
  /** Sum over the tree when PSS was read; null otherwise. */
  pss_bytes: number | null;
  threads: number;
  /** Present when `classify` was asked for. */
  classified: FdClassification | null;
  /** How long the sample took and how many fd links it read. */
  cost: { wall_ms: number; readlinks: number; yields: number };
}

interface ProcessPart {
  sample: ProcessSample;
  links: string[] | null;
}

function commandLine(raw: string | null, comm: string, max: number): string {
  const text = raw === null ? '' : raw.replace(/\0+$/, '').replace(/\0/g, ' ');
  const cmd = text === '' ? `[${comm}]` : text;
  return cmd.length > max ? cmd.slice(0, max - 1) + '…' : cmd;
}

// Command lines by pid, valid while the start time and comm are the same (an exec changes comm).
const cmdCache = new Map<number, { start: number; comm: string; cmd: string }>();
const CMD_CACHE_MAX = 8192;

/** Forgets cached command lines (for benchmarks that measure a first sample). */
export function clearCommandCache(): void {
  cmdCache.clear();
}

/**
 * Reads one process: stat, status, limits and the fd count synchronously (procfs answers those
 * without waiting on the target), cmdline and smaps_rollup off the event loop (they take the
 * target's memory-map lock). null when the process is gone.
 */
function sampleProcess(
  pid: number,
  opts: SampleOptions,
  pending: { pid: number; done: Promise<void> }[],
): ProcessPart | null {
  const statText = readProcTextSync(`/proc/${pid}/stat`);
  if (statText === null || statText === '') return null;
  const stat = parseProcStat(statText);
  const base = {
    pid,
    ppid: stat.ppid,
    state: stat.state,
    start_ticks: stat.start_ticks,
  };
  if (stat.state === 'Z' || stat.state === 'X') {
    const sample: ProcessSample = {
      ...base,
      cmd: `[${stat.comm}]`,
      fds: 0,
      fd_limit: null,
      fd_limit_hard: null,
      rss_bytes: 0,
      swap_bytes: 0,
      pss_bytes: null,
      threads: 0,
    };
    return { sample, links: null };
  }
  const statusText = readProcTextSync(`/proc/${pid}/status`);
  const limitsText = readProcTextSync(`/proc/${pid}/limits`);
  // With classify, the listing of fd links gives the count.
  const fds = opts.classify ? 0 : countFdsSync(pid);
  if (statusText === null || limitsText === null || fds === null) return null;
  const status = parseProcStatus(statusText);
  const limits = parseProcLimits(limitsText);
  const cached = cmdCache.get(pid);
  const sample: ProcessSample = {
    ...base,
    cmd:
      cached && cached.start === stat.start_ticks && cached.comm === stat.comm
        ? cached.cmd
        : `[${stat.comm}]`,
    fds,
    fd_limit: finiteLimit(limits.open_files?.soft),
    fd_limit_hard: finiteLimit(limits.open_files?.hard),
    rss_bytes: status.rss_bytes ?? 0,
    swap_bytes: status.swap_bytes ?? 0,
    pss_bytes: null,
    threads: status.threads ?? stat.num_threads,
  };
  if (!cached || cached.start !== stat.start_ticks || cached.comm !== stat.comm) {
    pending.push({
      pid,
      done: readProcText(`/proc/${pid}/cmdline`).then((raw) => {
        if (raw === null) return; // exited meanwhile: keep "[comm]"
        sample.cmd = commandLine(raw, stat.comm, opts.cmdMax ?? 200);
        if (cmdCache.size >= CMD_CACHE_MAX) cmdCache.clear();
        cmdCache.set(pid, { start: stat.start_ticks, comm: stat.comm, cmd: sample.cmd });
      }),
    });
  }
  if (opts.pss) {
    pending.push({
      pid,
      done: readProcText(`/proc/${pid}/smaps_rollup`).then((text) => {
        if (text) sample.pss_bytes = parseSmapsRollup(text).pss_bytes;
      }),
    });
  }
  return { sample, links: null };
}

function emptyByType(): Record<FdType, number> {
  return Object.fromEntries(FD_TYPES.map((t) => [t, 0])) as Record<FdType, number>;
}

async function classify(parts: ProcessPart[], slicer: TimeSlicer): Promise<FdClassification> {
  // Pass 1: classify every link; note the socket inodes wanted from each network namespace.
  const classified: { ns: string | null; targets: FdTarget[] }[] = [];
  const wanted = new Map<string, { pid: number; inodes: Set<number> }>();
  let n = 0;
  for (const { sample, links } of parts) {
    if (!links) continue;
    const targets: FdTarget[] = [];
    let ns: string | null = null;
    for (const link of links) {
      if (++n % 256 === 0) await slicer.pause();
      const t = classifyFdTarget(link);
      targets.push(t);
      if (t.type !== 'socket') continue;
      if (ns === null) ns = netNamespaceOf(sample.pid) ?? `pid:${sample.pid}`;
      let w = wanted.get(ns);
      if (!w) wanted.set(ns, (w = { pid: sample.pid, inodes: new Set() }));
      w.inodes.add(t.inode);
    }
    classified.push({ ns, targets });
  }
  // Pass 2: one read of the socket tables per network namespace, decoding only the wanted rows.
  const tables = new Map<string, SocketTable>();
  for (const [ns, w] of wanted) tables.set(ns, (await readSocketTable(w.pid, w.inodes, slicer)) ?? new Map());

  // Pass 3: count.
  const byType = emptyByType();
  const counts = new Map<string, TargetCount>();
  const bump = (target: string, type: FdType): void => {
    const c = counts.get(target);
    if (c) c.count++;
    else counts.set(target, { target, type, count: 1 });
  };
  const byState: Record<string, number> = {};
  const byProtocol: Record<string, number> = {};
  const byRemote = new Map<
    string,
    { remote: string; protocol: 'tcp' | 'udp'; state: string; count: number }
  >();
  for (const { ns, targets } of classified) {
    const table = ns === null ? undefined : tables.get(ns);
    for (const t of targets) {
      if (++n % 256 === 0) await slicer.pause();
      byType[t.type]++;
      switch (t.type) {
        case 'file':
        case 'device':
          bump(t.deleted ? `${t.path} (deleted)` : t.path, t.type);
          break;
        case 'anon_inode':
          bump(`anon_inode:[${t.kind}]`, t.type);
          break;
        case 'pipe':
          // Every pipe has its own inode: counted together, a pipe leak shows as one growing target.
          bump('pipe', t.type);
          break;
        case 'other':
          bump(t.kind === 'unreadable' ? '(unreadable)' : t.text, t.type);
          break;
        case 'socket': {
          const s = table?.get(t.inode);
          bump(socketTargetName(s), 'socket');
          const proto = s?.protocol ?? 'other';
          byProtocol[proto] = (byProtocol[proto] ?? 0) + 1;
          if (s && s.protocol === 'tcp') byState[s.state] = (byState[s.state] ?? 0) + 1;
          if (s && s.protocol !== 'unix' && s.remote) {
            const key = `${s.protocol} ${s.remote} ${s.state}`;
            const r = byRemote.get(key);
            if (r) r.count++;
            else byRemote.set(key, { remote: s.remote, protocol: s.protocol, state: s.state, count: 1 });
          }
          break;
        }
      }
    }
  }
  return {
    by_type: byType,
    top_targets: topTargets(counts.values(), 20),
    sockets: {
      by_state: byState,
      by_protocol: byProtocol,
      by_remote: [...byRemote.values()].sort((a, b) => b.count - a.count).slice(0, 50),
    },
  };
}

/** The process nearest its own fd limit (highest fds/limit; more fds breaks ties); zombies excluded. */
export function nearestToLimit(processes: ProcessSample[]): ProcessSample | null {
  let best: ProcessSample | null = null;
  let bestRatio = -1;
  for (const p of processes) {
    if (p.state === 'Z' || p.state === 'X' || !p.fd_limit) continue;
    const ratio = p.fds / p.fd_limit;
    if (ratio > bestRatio || (ratio === bestRatio && best !== null && p.fds > best.fds)) {
      best = p;
      bestRatio = ratio;
    }
  }
  return best;
}

/**
 * Samples the given processes of a service (usually findTree's result): per-process counts, limits
 * and memory, the aggregates the design's contract names, and with `classify` what the fds are.
 * Never throws for a process that exits meanwhile: it is listed in `gone`.
 */
export async function sampleService(
  pids: number[],
  opts: SampleOptions,
): Promise<ServiceSample | Unsupported> {
  const unsupported = probeSupport();
  if (unsupported) return unsupported;
  const t0 = performance.now();
  const t = Date.now();
  const slicer = new TimeSlicer(opts.sliceMs ?? 2);
  const unique = [...new Set(pids)];
  const errors: { pid: number; message: string }[] = [];
  const parts: ProcessPart[] = [];
  const gone: number[] = [];
  const pending: { pid: number; done: Promise<void> }[] = [];
  for (const pid of unique) {
    await slicer.pause();
    try {
      const part = sampleProcess(pid, opts, pending);
      if (part) parts.push(part);
      else gone.push(pid);
    } catch (err) {
      errors.push({ pid, message: errorMessage(err) });
    }
  }
  await Promise.all(
    pending.map((p) =>
      p.done.catch((err: unknown) => errors.push({ pid: p.pid, message: errorMessage(err) })),
    ),
  );
  if (opts.classify) {
    // Fd links one process at a time, so that slices of different processes never pile up in one turn.
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as ProcessPart;
      if (part.sample.state === 'Z' || part.sample.state === 'X') continue;
      try {
        const links = await readFdLinks(part.sample.pid, opts.readlink ?? 'worker', slicer);
        if (links === null) {
          // Gone, or its fd folder may not be listed: fall back to the count (a stat) if it is still there.
          const n = countFdsSync(part.sample.pid);
          if (n !== null) {
            part.sample.fds = n;
            continue;
          }
          gone.push(part.sample.pid);
          parts.splice(i--, 1);
          continue;
        }
        part.links = links;
        part.sample.fds = links.length;
      } catch (err) {
        // Classification failed; the count is still worth having.
        errors.push({ pid: part.sample.pid, message: errorMessage(err) });
        part.sample.fds = countFdsSync(part.sample.pid) ?? 0;
      }
    }
  }
  const processes = parts.map((p) => p.sample);
  const nearest = nearestToLimit(processes);
  const sum = (f: (p: ProcessSample) => number): number => processes.reduce((a, p) => a + f(p), 0);
  const fdsTotal = sum((p) => p.fds);
  const pssKnown = processes.filter((p) => p.pss_bytes !== null);
  const classified = opts.classify ? await classify(parts, slicer) : null;
  return {
    t,
    processes,
    gone,
    errors,
    pid: nearest?.pid ?? null,
    fds: nearest?.fds ?? fdsTotal,
    fd_limit: nearest?.fd_limit ?? null,
    fds_total: fdsTotal,
    rss_bytes: sum((p) => p.rss_bytes),
    swap_bytes: sum((p) => p.swap_bytes),
    pss_bytes: opts.pss && pssKnown.length > 0 ? pssKnown.reduce((a, p) => a + (p.pss_bytes ?? 0), 0) : null,
    threads: sum((p) => p.threads),
    classified,
    cost: { wall_ms: performance.now() - t0, readlinks: opts.classify ? fdsTotal : 0, yields: slicer.yields },
  };
}
