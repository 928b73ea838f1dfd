import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { VigilError, errorMessage } from '../errors.js';

/*
 * Service cgroups: exact membership, memory and pids limits, OOM counters and a kill nothing escapes.
 * Every service cgroup is created as `vigil-<homeId>/<service>` under the daemon's OWN cgroup of each
 * hierarchy, so services stay inside whatever limits the daemon itself runs under, and two daemons
 * (two homes) never collide. See docs/cgroups.md.
 */

/** What the machine offers the daemon, found by `detectCgroups`. */
export interface CgroupSupport {
  version: 2 | 1 | null;
  /** True when a child cgroup could actually be created (mkdir tried) under the daemon's own cgroup. */
  writable: boolean;
  /** Plain words: what was found, what is missing and why. */
  reason: string;
  /** Controllers service cgroups get: v2 `memory`, `pids`; v1 `pids`, `memory`, `freezer`. */
  controllers: string[];
  /** Where `vigil-<homeId>` is created: the daemon's own cgroup, once (v2) or per hierarchy (v1, primary first). */
  parents: CgroupParent[];
}

/** One hierarchy's directory of the daemon's own cgroup. */
export interface CgroupParent {
  /** `unified` for v2, else the v1 controller of the hierarchy. */
  controller: string;
  dir: string;
}

export interface CgroupLimits {
  /** Hard memory limit in bytes (null: unlimited). */
  memoryBytes?: number | null;
  /** Maximum number of tasks (processes and threads) in the cgroup (null: unlimited). */
  tasks?: number | null;
}

export interface LimitsApplied {
  memory: boolean;
  tasks: boolean;
  /** Why a limit cannot be enforced, when one cannot. */
  reason?: string;
}

export interface DetectOptions {
  /** Only consider this version (tests use it to exercise both where a machine offers both). */
  version?: 1 | 2;
  /**
   * v2 only: enable the memory and pids controllers for children of the daemon's cgroup, moving the
   * daemon into a `vigil-daemon` leaf first when the "no internal processes" rule requires it.
   * Default true; `vigil doctor` passes false to only look.
   */
  prepare?: boolean;
  /** Files read; tests pass captured text. Default: this process's. */
  procSelfCgroup?: string;
  mountinfo?: string;
}

const V2_WANTED = ['memory', 'pids'];
/** v1 hierarchies in order of preference for the one the exec wrapper joins (pids: bounded from the first fork). */
const V1_WANTED = ['pids', 'freezer', 'memory'];
const DAEMON_LEAF = 'vigil-daemon';

// ---------------------------------------------------------------------------------------------
// Pure parsing of /proc/self/cgroup and /proc/self/mountinfo

/** One line of /proc/PID/cgroup: `hierarchy-id:controllers:path` (v2 is `0::path`). */
export interface ProcCgroupEntry {
  hierarchyId: number;
  controllers: string[];
  path: string;
}

/** Parses /proc/PID/cgroup. */
export function parseProcCgroup(text: string): ProcCgroupEntry[] {
  const out: ProcCgroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const a = line.indexOf(':');
    const b = line.indexOf(':', a + 1);
    if (a < 0 || b < 0) continue;
    let path = line.slice(b + 1);
    if (path.endsWith(' (deleted)')) path = path.slice(0, -' (deleted)'.length);
    out.push({
      hierarchyId: Number(line.slice(0, a)),
      controllers: line.slice(a + 1, b) ? line.slice(a + 1, b).split(',') : [],
      path,
    });
  }
  return out;
}

/** A cgroup filesystem as /proc/PID/mountinfo shows it. */
export interface CgroupMount {
  /** Path inside the hierarchy that is mounted (not `/` in containers that mount their own subtree). */
  root: string;
  mountPoint: string;
  fstype: 'cgroup' | 'cgroup2';
  /** Super options; for v1 they name the hierarchy's controllers (`rw,memory`). */
  options: string[];
}

const unescapeMount = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** The cgroup and cgroup2 mounts in /proc/PID/mountinfo text. */
export function parseCgroupMounts(text: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const fstype = right[0];
    if ((fstype !== 'cgroup' && fstype !== 'cgroup2') || left.length < 5) continue;
    out.push({
      root: unescapeMount(left[3]!),
      mountPoint: unescapeMount(left[4]!),
      fstype,
      options: (right[2] ?? '').split(','),
    });
  }
  return out;
}

/** The daemon's own cgroup in one hierarchy: its path in the hierarchy and its directory on disk. */
export interface OwnCgroup {
  path: string;
  dir: string;
  mountPoint: string;
}

/** Maps a cgroup path to its directory under a mount, or null when the mount does not show it. */
function dirUnder(mount: CgroupMount, path: string): string | null {
  let rel: string;
  if (mount.root === '/') rel = path;
  else if (path === mount.root) rel = '/';
  else if (path.startsWith(mount.root + '/')) rel = path.slice(mount.root.length);
  else return null; // the mount shows another part of the hierarchy
  return rel === '/' ? mount.mountPoint : join(mount.mountPoint, rel);
}

/** Finds the daemon's own cgroup in the v2 hierarchy and in each v1 controller hierarchy. Pure. */
export function locateOwnCgroups(
  procSelfCgroup: string,
  mountinfo: string,
): { v2: OwnCgroup | null; v1: Record<string, OwnCgroup> } {
  const entries = parseProcCgroup(procSelfCgroup);
  const mounts = parseCgroupMounts(mountinfo);
  // Prefer the usual place when a hierarchy is mounted twice (bind mounts in containers).
  const rank = (m: CgroupMount) => (m.mountPoint.startsWith('/sys/fs/cgroup') ? 0 : 1);
  const pick = (candidates: CgroupMount[], path: string): OwnCgroup | null => {
    for (const m of [...candidates].sort((a, b) => rank(a) - rank(b))) {
      const dir = dirUnder(m, path);
      if (dir) return { path, dir, mountPoint: m.mountPoint };
    }
    return null;
  };
  let v2: OwnCgroup | null = null;
  const v2entry = entries.find((e) => e.hierarchyId === 0 && e.controllers.length === 0);
  if (v2entry)
    v2 = pick(
      mounts.filter((m) => m.fstype === 'cgroup2'),
      v2entry.path,
    );
  const v1: Record<string, OwnCgroup> = {};
  for (const e of entries) {
    if (e.hierarchyId === 0) continue;
    for (const c of e.controllers) {
      if (c.startsWith('name=')) continue;
      const own = pick(
        mounts.filter((m) => m.fstype === 'cgroup' && m.options.includes(c)),
        e.path,
      );
      if (own) v1[c] = own;
    }
  }
  return { v2, v1 };
}

// ---------------------------------------------------------------------------------------------
// Small file helpers (synchronous: cgroupfs is in memory, each call is a few µs)

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function readPids(procsFile: string): number[] {
  const t = readText(procsFile);
  if (!t) return [];
  const out: number[] = [];
  for (const l of t.split('\n')) if (l) out.push(Number(l));
  return out;
}

function words(path: string): string[] {
  return (readText(path) ?? '').split(/\s+/).filter(Boolean);
}

/** Value of `key N` in a flat-keyed cgroup file (memory.events, memory.oom_control, pids.events). */
function keyed(path: string, key: string): number | null {
  const t = readText(path);
  if (t === null) return null;
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(t);
  return m ? Number(m[1]) : null;
}

const errCode = (err: unknown) => (err as NodeJS.ErrnoException).code;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mkdir then rmdir of a probe directory: the only sure test that we may create cgroups there. */
function probeWritable(dir: string): string | null {
  const probe = join(dir, `vigil-probe-${process.pid}`);
  try {
    mkdirSync(probe);
  } catch (err) {
    if (errCode(err) !== 'EEXIST') return errorMessage(err);
  }
  try {
    rmdirSync(probe);
  } catch {
    // left for cleanupStale-like sweeps; harmless and empty
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Detection

interface Candidate {
  support: CgroupSupport;
  /** Every wanted controller is there. */
  complete: boolean;
}

function detectV2(own: OwnCgroup | null, v1Controllers: string[], prepare: boolean): Candidate | null {
  if (!own) return null;
  let base = own.dir;
  // A daemon already moved into its leaf (by an earlier start of this daemon process) parents from above it.
  if (basename(base) === DAEMON_LEAF) base = dirname(base);
  if (!existsSync(join(base, 'cgroup.procs')))
    return {
      complete: false,
      support: none(`cgroup2 at ${own.mountPoint}: the daemon's cgroup ${own.path} is not visible there`),
    };
  const problem = probeWritable(base);
  if (problem)
    return {
      complete: false,
      support: {
        version: 2,
        writable: false,
        reason: `cgroup2 at ${own.mountPoint}: cannot create cgroups under the daemon's cgroup ${own.path} (${problem}); run the daemon as root or in a delegated cgroup (systemd Delegate=yes)`,
        controllers: [],
        parents: [{ controller: 'unified', dir: base }],
      },
    };
  const isRoot = base === own.mountPoint;
  const available = words(join(base, 'cgroup.controllers'));
  const missing = V2_WANTED.filter((c) => !available.includes(c));
  const notes: string[] = [];
  if (missing.length > 0)
    notes.push(
      `no ${missing.join(', ')} controller in it` +
        (missing.every((c) => v1Controllers.includes(c))
          ? ' (bound to v1 hierarchies on this hybrid system)'
          : isRoot
            ? ''
            : ' (not delegated by the parent cgroup)'),
    );
  const wanted = V2_WANTED.filter((c) => available.includes(c));
  let enabled = words(join(base, 'cgroup.subtree_control'));
  const toEnable = wanted.filter((c) => !enabled.includes(c));
  if (toEnable.length > 0) {
    if (!prepare) {
      notes.push(`${toEnable.join(', ')} would be enabled for children of ${own.path}`);
      enabled = [...enabled, ...toEnable];
    } else {
      const failure = enableControllers(base, toEnable);
      if (failure) notes.push(failure);
      enabled = words(join(base, 'cgroup.subtree_control'));
    }
  }
  const controllers = wanted.filter((c) => enabled.includes(c));
  const complete = controllers.length === V2_WANTED.length;
  const where = `cgroup2 at ${own.mountPoint}, under the daemon's cgroup ${own.path}`;
  return {
    complete,
    support: {
      version: 2,
      writable: true,
      reason: complete
        ? `${where}: memory and pids limits, exact membership, kill`
        : controllers.length > 0
          ? `${where}: ${controllers.join(' ')} limits, exact membership, kill; ${notes.join('; ')}`
          : `${where}: exact membership and kill only; ${notes.join('; ')}`,
      controllers,
      parents: [{ controller: 'unified', dir: base }],
    },
  };
}

/**
 * Writes `+c` for each controller into the daemon cgroup's subtree_control. A non-root v2 cgroup that holds
 * processes cannot do that ("no internal processes"), so the daemon first moves itself into a `vigil-daemon`
 * leaf beside the service cgroups — only when it is alone there: moving processes that are not ours would
 * change someone else's accounting. Returns why it failed, or null.
 */
function enableControllers(base: string, controllers: string[]): string | null {
  const write = () =>
    writeFileSync(join(base, 'cgroup.subtree_control'), controllers.map((c) => `+${c}`).join(' '));
  try {
    write();
    return null;
  } catch (err) {
    // EBUSY is the "no internal processes" rule. It applies at a cgroup namespace's root too (a container's
    // init sits in a non-root cgroup of the host), so the mount root is no exemption.
    if (errCode(err) !== 'EBUSY') return `cannot enable ${controllers.join(', ')}: ${errorMessage(err)}`;
  }
  const others = readPids(join(base, 'cgroup.procs')).filter((p) => p !== process.pid);
  if (others.length > 0)
    return `cannot enable ${controllers.join(', ')}: the daemon's cgroup also holds other processes (${others
      .slice(0, 5)
      .join(
        ', ',
      )}${others.length > 5 ? ', …' : ''}); run the daemon in a cgroup of its own (systemd unit with Delegate=yes)`;
  try {
    mkdirSync(join(base, DAEMON_LEAF), { recursive: true });
    writeFileSync(join(base, DAEMON_LEAF, 'cgroup.procs'), String(process.pid));
    write();
    return null;
  } catch (err) {
    return `cannot enable ${controllers.join(', ')} after moving the daemon into ${DAEMON_LEAF}: ${errorMessage(err)}`;
  }
}

function detectV1(v1: Record<string, OwnCgroup>): Candidate | null {
  const found = V1_WANTED.filter((c) => v1[c]);
  if (found.length === 0) return null;
  const parents: CgroupParent[] = [];
  const problems: string[] = [];
  for (const c of found) {
    const own = v1[c]!;
    const problem = probeWritable(own.dir);
    if (problem) problems.push(`${c}: ${problem}`);
    else parents.push({ controller: c, dir: own.dir });
  }
  const controllers = parents.map((p) => p.controller);
  const missing = V1_WANTED.filter((c) => !v1[c]);
  const notes: string[] = [];
  if (missing.length > 0) notes.push(`not mounted: ${missing.join(', ')}`);
  if (problems.length > 0) notes.push(`not writable: ${problems.join('; ')}`);
  const writable = parents.length > 0;
  return {
    complete: controllers.length === V1_WANTED.length,
    support: {
      version: 1,
      writable,
      reason: writable
        ? `cgroup v1 hierarchies ${controllers.join(', ')} writable under the daemon's cgroups` +
          (notes.length > 0 ? `; ${notes.join('; ')}` : '')
        : `cgroup v1 hierarchies found but ${notes.join('; ')}; run the daemon as root`,
      controllers,
      parents,
    },
  };
}

function none(reason: string): CgroupSupport {
  return { version: null, writable: false, reason, controllers: [], parents: [] };
}

/**
 * Finds which cgroups the daemon can use for its services. Prefers a v2 hierarchy that offers the memory and
 * pids controllers, then v1 (pids, memory, freezer), then a v2 hierarchy without those controllers (exact
 * membership and kill, no limits); otherwise none, with the reason.
 */
export function detectCgroups(opts: DetectOptions = {}): CgroupSupport {
  const procSelf = opts.procSelfCgroup ?? readText('/proc/self/cgroup');
  const mountinfo = opts.mountinfo ?? readText('/proc/self/mountinfo');
  if (procSelf === null || mountinfo === null) return none('no /proc/self/cgroup here (not Linux?)');
  const own = locateOwnCgroups(procSelf, mountinfo);
  const prepare = opts.prepare ?? true;
  const bound = Object.keys(own.v1);
  // Look first; enable controllers (and move the daemon into its leaf) only once v2 is the choice.
  let v2 = opts.version === 1 ? null : detectV2(own.v2, bound, false);
  if (v2?.complete && v2.support.writable) {
    if (!prepare) return v2.support;
    v2 = detectV2(own.v2, bound, true);
    if (v2?.complete && v2.support.writable) return v2.support;
  }
  const v1 = opts.version === 2 ? null : detectV1(own.v1);
  if (v1?.support.writable) {
    if (v2?.support.writable) v1.support.reason += `; cgroup2 not used: ${v2.support.reason}`;
    return v1.support;
  }
  if (v2?.support.writable) return prepare ? (detectV2(own.v2, bound, true) ?? v2).support : v2.support;
  const reasons = [v2?.support.reason, v1?.support.reason].filter(Boolean);
  if (reasons.length > 0)
    return { ...(v2?.support ?? v1!.support), writable: false, reason: reasons.join('; ') };
  const wanted =
    opts.version === 2
      ? 'no cgroup2 mount'
      : opts.version === 1
        ? 'no cgroup v1 hierarchy'
        : 'no cgroup mount';
  return none(`${wanted} holding the daemon's cgroup (/proc/self/cgroup and /proc/self/mountinfo)`);
}

// ---------------------------------------------------------------------------------------------
// A service's cgroup

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,200}$/;

function homeDirName(homeId: string): string {
  return `vigil-${homeId}`;
}

/** Result of `ServiceCgroup.attempt`: the cgroup, or null and why not. */
export interface CgroupAttempt {
  cgroup: ServiceCgroup | null;
  reason: string;
  /** The cgroup was created by this attempt (so it has no OOM kill to count yet). */
  fresh?: boolean;
}

/** The cgroup (v2) or cgroups (v1, one per hierarchy) of one service. */
export class ServiceCgroup {
  private memoryLimit: number | null = null;
  private tasksLimit: number | null = null;
  private memoryError: string | null = null;
  private tasksError: string | null = null;

  private constructor(
    readonly version: 1 | 2,
    /** One directory per hierarchy; the first is the one the exec wrapper joins. */
    readonly dirs: CgroupParent[],
    /** Controllers this cgroup has (v2: enabled by its parent; v1: the hierarchies it exists in). */
    readonly controllers: string[],
    private readonly missingReason: string | undefined,
  ) {}

  /** Creates (or reopens, after a daemon restart) `vigil-<homeId>/<service>`; null when not possible. */
  static create(
    support: CgroupSupport,
    homeId: string,
    service: string,
    limits: CgroupLimits = {},
  ): ServiceCgroup | null {
    return ServiceCgroup.attempt(support, homeId, service, limits).cgroup;
  }

  /** Like `create`, with the reason when the cgroup cannot be made (or its limits cannot be set). */
  static attempt(
    support: CgroupSupport,
    homeId: string,
    service: string,
    limits: CgroupLimits = {},
  ): CgroupAttempt {
    if (support.version === null || !support.writable || support.parents.length === 0)
      return { cgroup: null, reason: `no writable cgroup: ${support.reason}` };
    if (!NAME_RE.test(homeId) || !NAME_RE.test(service))
      return { cgroup: null, reason: `'${service}' cannot name a cgroup (letters, digits, _ . @ + - only)` };
    const made: string[] = [];
    const dirs: CgroupParent[] = [];
    try {
      for (const p of support.parents) {
        const home = join(p.dir, homeDirName(homeId));
        const prepareHome = () => {
          if (mkdirIfMissing(home)) made.push(home);
          if (support.version === 2 && support.controllers.length > 0) {
            const enabled = words(join(home, 'cgroup.subtree_control'));
            const toEnable = support.controllers.filter((c) => !enabled.includes(c));
            if (toEnable.length > 0)
              writeFileSync(join(home, 'cgroup.subtree_control'), toEnable.map((c) => `+${c}`).join(' '));
          }
          homesReady.add(home);
        };
        if (!homesReady.has(home)) prepareHome();
        const dir = join(home, service);
        let fresh: boolean;
        try {
          fresh = mkdirIfMissing(dir);
        } catch (err) {
          if (errCode(err) !== 'ENOENT') throw err;
          // The home cgroup went (an empty one is removed by cleanup): make it again.
          homesReady.delete(home);
          prepareHome();
          fresh = mkdirIfMissing(dir);
        }
        if (fresh) made.push(dir);
        dirs.push({ controller: p.controller, dir });
      }
    } catch (err) {
      for (const d of made.reverse()) tryRmdir(d);
      return { cgroup: null, reason: `cannot create the cgroup of ${service}: ${errorMessage(err)}` };
    }
    const controllers =
      support.version === 2 ? words(join(dirs[0]!.dir, 'cgroup.controllers')) : dirs.map((d) => d.controller);
    const lacks = ['memory', 'pids'].filter((c) => !controllers.includes(c));
    const missingReason =
      lacks.length > 0 ? `no ${lacks.join(' or ')} controller in this cgroup; ${support.reason}` : undefined;
    const cg = new ServiceCgroup(support.version, dirs, controllers, missingReason);
    // Made just now (every hierarchy): not frozen, no limit, no OOM kill yet; nothing to reset or read.
    const fresh = dirs.every((d) => made.includes(d.dir));
    // A daemon that died in the middle of kill() may have left the cgroup frozen: a new run must not start frozen.
    if (!fresh) cg.thawNow();
    try {
      // An existing cgroup may hold an old limit: an absent one is removed (null). A fresh one has none.
      const memoryBytes = limits.memoryBytes ?? (fresh ? undefined : null);
      const tasks = limits.tasks ?? (fresh ? undefined : null);
      cg.setLimits({ memoryBytes, tasks });
    } catch (err) {
      // Kept (it may hold a running service after a daemon restart); limitsApplied() reports the failure.
      return { cgroup: cg, reason: errorMessage(err), fresh };
    }
    return { cgroup: cg, reason: cg.missingReason ?? 'ok', fresh };
  }

  /** Directories of this cgroup (one per hierarchy). */
  get paths(): string[] {
    return this.dirs.map((d) => d.dir);
  }

  /** Every hierarchy's cgroup.procs file: a new process writes itself into each before exec. */
  get procsFiles(): string[] {
    return this.dirs.map((d) => join(d.dir, 'cgroup.procs'));
  }

  /** The cgroup.procs file the exec wrapper writes its pid into before exec. */
  get procsPath(): string {
    return join(this.dirs[0]!.dir, 'cgroup.procs');
  }

  private dirOf(controller: string): string | null {
    if (this.version === 2) return this.controllers.includes(controller) ? this.dirs[0]!.dir : null;
    return this.dirs.find((d) => d.controller === controller)?.dir ?? null;
  }

  /**
   * v1 only (no-op on v2): puts the service into the other hierarchies. Call it as soon as `spawn()` returns
   * the pid — usually before the wrapper `sh` has even exec'd the service. The wrapper can join only one
   * hierarchy (the first: pids when present), so if the service runs before this call, it is outside the
   * memory and freezer cgroups for that moment, and memory it allocates then stays charged to the daemon's
   * cgroup (v1 does not move charges). Every member of the first hierarchy is moved too, so children forked in
   * that window follow.
   */
  joinOthers(pid: number): void {
    if (this.version === 2 || this.dirs.length < 2) return;
    const members = new Set([pid, ...readPids(this.procsPath)]);
    for (const d of this.dirs.slice(1)) {
      for (const p of members) {
        try {
          writeFileSync(join(d.dir, 'cgroup.procs'), String(p));
        } catch (err) {
          if (errCode(err) !== 'ESRCH')
            throw new VigilError('CGROUP_JOIN', `cannot move pid ${p} into ${d.dir}: ${errorMessage(err)}`);
        }
      }
    }
  }

  /** Exact membership: every process in the cgroup (union over v1 hierarchies), sorted. */
  pids(): number[] {
    const all = new Set<number>();
    for (const d of this.dirs) for (const p of readPids(join(d.dir, 'cgroup.procs'))) all.add(p);
    return [...all].sort((a, b) => a - b);
  }

  /** Memory the cgroup uses now, in bytes; null without a memory controller. */
  memoryBytes(): number | null {
    const dir = this.dirOf('memory');
    if (!dir) return null;
    const t = readText(join(dir, this.version === 2 ? 'memory.current' : 'memory.usage_in_bytes'));
    return t === null ? null : Number(t.trim());
  }

  /** How many processes the kernel OOM-killed in this cgroup (0 without a memory controller). */
  oomKills(): number {
    const dir = this.dirOf('memory');
    if (!dir) return 0;
    if (this.version === 2) return keyed(join(dir, 'memory.events'), 'oom_kill') ?? 0;
    // oom_kill appeared in memory.oom_control in Linux 4.13; before that, failcnt (times the limit was hit)
    // is the only trace, and it overcounts (a hit reclaimed without a kill counts too).
    return (
      keyed(join(dir, 'memory.oom_control'), 'oom_kill') ??
      Number((readText(join(dir, 'memory.failcnt')) ?? '0').trim())
    );
  }

  /** Sets the memory (bytes) and tasks limits given; null removes one, an absent key leaves it as is. */
  setLimits(limits: CgroupLimits): void {
    if (limits.memoryBytes !== undefined) {
      this.memoryLimit = limits.memoryBytes;
      this.memoryError = null;
      const dir = this.dirOf('memory');
      try {
        if (dir && this.version === 2) writeV2Memory(dir, limits.memoryBytes);
        else if (dir) writeV1Memory(dir, limits.memoryBytes);
      } catch (err) {
        this.memoryError = errorMessage(err);
        throw err;
      }
    }
    if (limits.tasks !== undefined) {
      this.tasksLimit = limits.tasks;
      this.tasksError = null;
      const dir = this.dirOf('pids');
      try {
        if (dir) writeLimit(join(dir, 'pids.max'), limits.tasks === null ? 'max' : String(limits.tasks));
      } catch (err) {
        this.tasksError = errorMessage(err);
        throw err;
      }
    }
  }

  /** Whether the memory and tasks limits are enforced by the kernel here, and why not when they are not. */
  limitsApplied(): LimitsApplied {
    const gaps: string[] = [];
    let memory = this.dirOf('memory') !== null;
    let tasks = this.dirOf('pids') !== null;
    const missing: string[] = [];
    if (!memory)
      missing.push(
        this.memoryLimit !== null
          ? `memory limit of ${this.memoryLimit} bytes not enforced`
          : 'no memory limit possible',
      );
    if (!tasks)
      missing.push(
        this.tasksLimit !== null
          ? `tasks limit of ${this.tasksLimit} not enforced`
          : 'no tasks limit possible',
      );
    if (missing.length > 0) gaps.push(`${missing.join(', ')}: ${this.missingReason}`);
    if (memory && this.memoryError) {
      memory = false;
      gaps.push(this.memoryError);
    }
    if (tasks && this.tasksError) {
      tasks = false;
      gaps.push(this.tasksError);
    }
    return gaps.length === 0 ? { memory, tasks } : { memory, tasks, reason: gaps.join('; ') };
  }

  /**
   * Kills every process in the cgroup; resolves once it is empty. v2 writes `cgroup.kill` where the kernel has
   * it (5.14+). Otherwise (and on v1) the cgroup is frozen, so nothing can fork while its members are listed,
   * each one gets SIGKILL, and it is thawed so they die; repeated until empty. `method: 'freeze'` forces the
   * fallback (tests use it on kernels that have cgroup.kill).
   */
  async kill(opts: { method?: 'auto' | 'freeze'; timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (opts.timeoutMs ?? 5000);
    const killFile = this.version === 2 ? join(this.dirs[0]!.dir, 'cgroup.kill') : null;
    if (killFile && opts.method !== 'freeze' && existsSync(killFile) && tryWrite(killFile, '1')) {
      let wait = 2;
      while (this.pids().length > 0) {
        if (Date.now() > deadline) break;
        await sleep(wait);
        wait = Math.min(wait * 2, 50);
      }
    } else {
      while (this.pids().length > 0 && Date.now() <= deadline) {
        const frozen = await this.freeze(true, deadline);
        for (const pid of this.pids()) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        if (frozen) await this.freeze(false, deadline);
        if (this.pids().length > 0) await sleep(10);
      }
    }
    const left = this.pids();
    if (left.length > 0)
      throw new VigilError(
        'CGROUP_KILL_TIMEOUT',
        `${left.length} process(es) still in ${this.dirs[0]!.dir} after SIGKILL: ${left.join(', ')}`,
        { pids: left },
      );
  }

  private thawNow(): void {
    const file =
      this.version === 2
        ? join(this.dirs[0]!.dir, 'cgroup.freeze')
        : this.dirOf('freezer') && join(this.dirOf('freezer')!, 'freezer.state');
    if (!file || !existsSync(file)) return;
    try {
      writeFileSync(file, this.version === 2 ? '0' : 'THAWED');
    } catch {
      // nothing to thaw
    }
  }

  /** Freezes (or thaws) the cgroup; resolves true once the kernel says it is frozen (false: no freezer). */
  private async freeze(on: boolean, deadline: number): Promise<boolean> {
    let file: string;
    let value: string;
    let done: () => boolean;
    if (this.version === 2) {
      const dir = this.dirs[0]!.dir;
      file = join(dir, 'cgroup.freeze');
      value = on ? '1' : '0';
      done = () => keyed(join(dir, 'cgroup.events'), 'frozen') === (on ? 1 : 0);
    } else {
      const dir = this.dirOf('freezer');
      if (!dir) return false;
      file = join(dir, 'freezer.state');
      value = on ? 'FROZEN' : 'THAWED';
      done = () => (readText(file) ?? '').trim() === value;
    }
    if (!existsSync(file)) return false;
    writeFileSync(file, value);
    let wait = 1;
    // Freezing waits for each task to reach the freezer; a task in uninterruptible sleep can delay it,
    // and the kill goes on regardless after a second.
    const until = Math.min(deadline, Date.now() + 1000);
    while (!done() && Date.now() < until) {
      await sleep(wait);
      wait = Math.min(wait * 2, 20);
      if (this.version === 1 && on) writeFileSync(file, value); // v1 retries stuck FREEZING on each write
    }
    return true;
  }

  /** Removes the cgroup's directories once it is empty, retrying briefly while the last exits are reaped. */
  async remove(timeoutMs = 1000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const d of this.dirs) {
      let wait = 2;
      while (true) {
        const err = tryRmdir(d.dir);
        if (err === null) break;
        if (Date.now() > deadline)
          throw new VigilError('CGROUP_BUSY', `cannot remove ${d.dir}: ${err} (is it empty? kill() first)`, {
            pids: this.pids(),
          });
        await sleep(wait);
        wait = Math.min(wait * 2, 50);
      }
      // The home's directory goes with its last service (fails harmlessly while others remain).
      tryRmdir(dirname(d.dir));
    }
  }
}

/** Home cgroups (`vigil-<homeId>` per hierarchy) known to exist and be set up, so a start skips them. */
const homesReady = new Set<string>();

function mkdirIfMissing(dir: string): boolean {
  try {
    mkdirSync(dir);
    return true;
  } catch (err) {
    if (errCode(err) === 'EEXIST' && statSync(dir).isDirectory()) return false;
    throw err;
  }
}

/** rmdir, returning the error message or null; a missing directory counts as removed. */
function tryRmdir(dir: string): string | null {
  try {
    rmdirSync(dir);
    homesReady.delete(dir);
    return null;
  } catch (err) {
    return errCode(err) === 'ENOENT' ? null : errorMessage(err);
  }
}

function tryWrite(file: string, value: string): boolean {
  try {
    writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

function writeLimit(file: string, value: string): void {
  try {
    writeFileSync(file, value);
  } catch (err) {
    throw new VigilError('CGROUP_LIMIT', `cannot write ${value} to ${file}: ${errorMessage(err)}`);
  }
}

/** v2: memory.max, and no swap, so the limit is a hard stop (an OOM kill) rather than a slow swap storm. */
function writeV2Memory(dir: string, bytes: number | null): void {
  writeLimit(join(dir, 'memory.max'), bytes === null ? 'max' : String(bytes));
  if (existsSync(join(dir, 'memory.swap.max')))
    writeLimit(join(dir, 'memory.swap.max'), bytes === null ? 'max' : '0');
}

/**
 * v1: memory.limit_in_bytes, and memory+swap to the same value where swap is accounted. The kernel keeps
 * limit <= memsw at all times, so the order of the two writes depends on the direction of the change.
 */
function writeV1Memory(dir: string, bytes: number | null): void {
  const value = bytes === null ? '-1' : String(bytes);
  const limit = join(dir, 'memory.limit_in_bytes');
  const memsw = join(dir, 'memory.memsw.limit_in_bytes');
  if (!existsSync(memsw)) return writeLimit(limit, value);
  try {
    writeFileSync(limit, value);
    writeLimit(memsw, value);
  } catch {
    writeLimit(memsw, value);
    writeLimit(limit, value);
  }
}

/**
 * Removes the empty cgroups a previous daemon of this home left behind (after a crash). Non-empty ones are
 * kept: their processes may be taken back. Returns the directories removed and those kept.
 */
export function cleanupStale(
  homeId: string,
  support: CgroupSupport = detectCgroups({ prepare: false }),
): { removed: string[]; kept: string[] } {
  const removed: string[] = [];
  const kept: string[] = [];
  if (!NAME_RE.test(homeId)) return { removed, kept };
  for (const p of support.parents) {
    const home = join(p.dir, homeDirName(homeId));
    let entries: string[];
    try {
      entries = readdirSync(home, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      continue;
    }
    for (const name of entries) {
      const dir = join(home, name);
      if (tryRmdir(dir) === null) removed.push(dir);
      else kept.push(dir);
    }
    if (kept.every((k) => dirname(k) !== home) && tryRmdir(home) === null) removed.push(home);
  }
  return { removed, kept };
}
