import type { DB } from './db.js';

/** One sample of a service as history keeps it. */
export interface HistoryPoint {
  t: number;
  fds: number | null;
  fd_limit: number | null;
  fds_total: number | null;
  rss_bytes: number | null;
  pss_bytes: number | null;
  mem_limit_bytes: number | null;
}

export interface RetentionMs {
  raw: number;
  minute: number;
  quarter: number;
}

export const DEFAULT_RETENTION: RetentionMs = {
  raw: 24 * 3600_000,
  minute: 7 * 24 * 3600_000,
  quarter: 90 * 24 * 3600_000,
};

const MINUTE = 60_000;
const QUARTER = 15 * 60_000;

interface Bucket {
  t: number;
  n: number;
  fds_min: number | null;
  fds_max: number | null;
  fds_sum: number;
  fds_n: number;
  fd_limit: number | null;
  fds_total_max: number | null;
  rss_min: number | null;
  rss_max: number | null;
  rss_sum: number;
  rss_n: number;
  pss_sum: number;
  pss_n: number;
  mem_limit_bytes: number | null;
}

function newBucket(t: number): Bucket {
  return {
    t,
    n: 0,
    fds_min: null,
    fds_max: null,
    fds_sum: 0,
    fds_n: 0,
    fd_limit: null,
    fds_total_max: null,
    rss_min: null,
    rss_max: null,
    rss_sum: 0,
    rss_n: 0,
    pss_sum: 0,
    pss_n: 0,
    mem_limit_bytes: null,
  };
}

const min = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const max = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

function add(b: Bucket, p: HistoryPoint): void {
  b.n++;
  b.fds_min = min(b.fds_min, p.fds);
  b.fds_max = max(b.fds_max, p.fds);
  if (p.fds !== null) {
    b.fds_sum += p.fds;
    b.fds_n++;
  }
  b.fd_limit = p.fd_limit ?? b.fd_limit;
  b.fds_total_max = max(b.fds_total_max, p.fds_total);
  b.rss_min = min(b.rss_min, p.rss_bytes);
  b.rss_max = max(b.rss_max, p.rss_bytes);
  if (p.rss_bytes !== null) {
    b.rss_sum += p.rss_bytes;
    b.rss_n++;
  }
  if (p.pss_bytes !== null) {
    b.pss_sum += p.pss_bytes;
    b.pss_n++;
  }
  b.mem_limit_bytes = p.mem_limit_bytes ?? b.mem_limit_bytes;
}

/**
 * Resource history of every service, downsampled: raw samples for a day, 1-minute min/max/mean for a
 * week, 15-minute for 90 days (each configurable). Aggregates are built as samples arrive, so reading
 * a week of history never scans raw rows.
 */
export class History {
  private readonly buckets = new Map<string, { m: Bucket; q: Bucket }>();
  private readonly insRaw;
  private readonly upsertAgg;
  private readonly insTarget;
  private lastPrune = 0;

  constructor(
    private readonly db: DB,
    /** Retention of each resolution (`daemon.history` of the applied file). */
    public retention: RetentionMs = DEFAULT_RETENTION,
  ) {
    this.insRaw = db.prepare(
      `INSERT INTO samples_raw (service, t, fds, fd_limit, fds_total, rss_bytes, pss_bytes, mem_limit_bytes, processes)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.upsertAgg = db.prepare(
      `INSERT OR REPLACE INTO samples_agg (service, res, t, n, fds_min, fds_max, fds_mean, fd_limit, fds_total_max,
         rss_min, rss_max, rss_mean, pss_mean, mem_limit_bytes)
       VALUES (@service, @res, @t, @n, @fds_min, @fds_max, @fds_mean, @fd_limit, @fds_total_max,
         @rss_min, @rss_max, @rss_mean, @pss_mean, @mem_limit_bytes)`,
    );
    this.insTarget = db.prepare('INSERT INTO target_counts (service, t, target, count) VALUES (?, ?, ?, ?)');
  }

  private flush(service: string, res: number, b: Bucket): void {
    if (b.n === 0) return;
    this.upsertAgg.run({
      service,
      res,
      t: b.t,
      n: b.n,
      fds_min: b.fds_min,
      fds_max: b.fds_max,
      fds_mean: b.fds_n ? b.fds_sum / b.fds_n : null,
      fd_limit: b.fd_limit,
      fds_total_max: b.fds_total_max,
      rss_min: b.rss_min,
      rss_max: b.rss_max,
      rss_mean: b.rss_n ? b.rss_sum / b.rss_n : null,
      pss_mean: b.pss_n ? b.pss_sum / b.pss_n : null,
      mem_limit_bytes: b.mem_limit_bytes,
    });
  }

  /** Records one sample (and, when given, the counts of the service's top targets). */
  record(
    service: string,
    p: HistoryPoint,
    processes: number,
    targets?: { target: string; count: number }[],
  ): void {
    this.db.transaction(() => {
      this.insRaw.run(
        service,
        p.t,
        p.fds,
        p.fd_limit,
        p.fds_total,
        p.rss_bytes,
        p.pss_bytes,
        p.mem_limit_bytes,
        processes,
      );
      const mt = Math.floor(p.t / MINUTE) * MINUTE;
      const qt = Math.floor(p.t / QUARTER) * QUARTER;
      let b = this.buckets.get(service);
      if (!b) {
        b = { m: newBucket(mt), q: newBucket(qt) };
        this.buckets.set(service, b);
      }
      if (b.m.t !== mt) {
        this.flush(service, MINUTE, b.m);
        b.m = newBucket(mt);
      }
      if (b.q.t !== qt) {
        this.flush(service, QUARTER, b.q);
        b.q = newBucket(qt);
      }
      add(b.m, p);
      add(b.q, p);
      // Partial buckets are written too, so a reader sees the current minute; they are rewritten as they fill.
      this.flush(service, MINUTE, b.m);
      this.flush(service, QUARTER, b.q);
      if (targets) for (const x of targets) this.insTarget.run(service, p.t, x.target, x.count);
    })();
    if (p.t - this.lastPrune > 10 * MINUTE) this.prune(p.t);
  }

  /** Deletes what is past each retention. */
  prune(now: number): void {
    this.lastPrune = now;
    this.db.prepare('DELETE FROM samples_raw WHERE t < ?').run(now - this.retention.raw);
    this.db.prepare('DELETE FROM target_counts WHERE t < ?').run(now - this.retention.raw);
    this.db
      .prepare('DELETE FROM samples_agg WHERE res = ? AND t < ?')
      .run(MINUTE, now - this.retention.minute);
    this.db
      .prepare('DELETE FROM samples_agg WHERE res = ? AND t < ?')
      .run(QUARTER, now - this.retention.quarter);
  }

  /**
   * Points of a service between `since` and `until`, at the finest resolution that still holds them:
   * raw within the raw retention, else 1-minute means (with the max fds), else 15-minute.
   */
  query(
    service: string,
    since: number,
    until: number = Date.now(),
  ): { resolution: string; points: HistoryPoint[] } {
    const now = Date.now();
    if (since >= now - this.retention.raw) {
      const rows = this.db
        .prepare(
          'SELECT t, fds, fd_limit, fds_total, rss_bytes, pss_bytes, mem_limit_bytes FROM samples_raw WHERE service = ? AND t >= ? AND t <= ? ORDER BY t',
        )
        .all(service, since, until) as HistoryPoint[];
      return { resolution: 'raw', points: rows };
    }
    const res = since >= now - this.retention.minute ? MINUTE : QUARTER;
    const rows = this.db
      .prepare(
        `SELECT t, fds_max AS fds, fd_limit, fds_total_max AS fds_total, CAST(rss_mean AS INTEGER) AS rss_bytes,
           CAST(pss_mean AS INTEGER) AS pss_bytes, mem_limit_bytes
         FROM samples_agg WHERE service = ? AND res = ? AND t >= ? AND t <= ? ORDER BY t`,
      )
      .all(service, res, since, until) as HistoryPoint[];
    return { resolution: res === MINUTE ? '1m' : '15m', points: rows };
  }

  /** Growth per hour of each target's count over the last `windowMs` (least squares), by target. */
  targetGrowth(service: string, windowMs = 3600_000, now = Date.now()): Map<string, number> {
    const rows = this.db
      .prepare('SELECT t, target, count FROM target_counts WHERE service = ? AND t >= ? ORDER BY t')
      .all(service, now - windowMs) as { t: number; target: string; count: number }[];
    const by = new Map<string, { t: number; c: number }[]>();
    for (const r of rows) {
      let a = by.get(r.target);
      if (!a) by.set(r.target, (a = []));
      a.push({ t: r.t, c: r.count });
    }
    const out = new Map<string, number>();
    for (const [target, pts] of by) {
      if (pts.length < 3 || pts[pts.length - 1]!.t - pts[0]!.t < 10_000) continue;
      const n = pts.length;
      const mt = pts.reduce((s, p) => s + p.t, 0) / n;
      const mc = pts.reduce((s, p) => s + p.c, 0) / n;
      let num = 0;
      let den = 0;
      for (const p of pts) {
        num += (p.t - mt) * (p.c - mc);
        den += (p.t - mt) ** 2;
      }
      if (den > 0) out.set(target, (num / den) * 3600_000);
    }
    return out;
  }

  /** Drops a removed service's partial buckets from memory (its stored history stays). */
  release(service: string): void {
    this.buckets.delete(service);
  }

  /** Services with partial buckets in memory. */
  trackedServices(): number {
    return this.buckets.size;
  }

  /** Forgets a removed service's history. */
  forget(service: string): void {
    this.buckets.delete(service);
    this.db.prepare('DELETE FROM samples_raw WHERE service = ?').run(service);
    this.db.prepare('DELETE FROM samples_agg WHERE service = ?').run(service);
    this.db.prepare('DELETE FROM target_counts WHERE service = ?').run(service);
  }
}
