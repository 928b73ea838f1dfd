import type { FdType } from './fd-target.js';

/** A target (or a group of related files) open more than once across a service. */
export interface TopTarget {
  /** Display name: a path, "x.db (+ -wal, -shm)", "tcp 127.0.0.1:5432", "anon_inode:[eventpoll]", … */
  target: string;
  type: FdType;
  count: number;
  /** For a grouped SQLite file: each member file and its count, the main file first. */
  parts?: { target: string; count: number }[];
}

/** A target key with its type, as counted by the sampler. */
export interface TargetCount {
  target: string;
  type: FdType;
  count: number;
}

// SQLite's companions of a database file, in the order they are named.
const COMPANIONS = ['-wal', '-shm', '-journal'] as const;

/**
 * Groups counted targets: a file with its SQLite companions (-wal, -shm, -journal) becomes one
 * entry named "x.db (+ -wal, -shm)" whose count is the sum; a companion whose main file is not
 * open stays on its own. Keeps groups open more than once, largest first, at most `limit`.
 */
export function topTargets(counts: Iterable<TargetCount>, limit = 20): TopTarget[] {
  const byTarget = new Map<string, TargetCount>();
  for (const c of counts) {
    const prev = byTarget.get(c.target);
    if (prev) prev.count += c.count;
    else byTarget.set(c.target, { ...c });
  }
  const grouped = new Map<string, TopTarget>();
  const companionsOf = new Map<string, Map<string, number>>();
  for (const c of byTarget.values()) {
    if (c.type === 'file') {
      const suffix = COMPANIONS.find((s) => c.target.endsWith(s));
      const base = suffix ? c.target.slice(0, -suffix.length) : undefined;
      if (suffix && base && byTarget.get(base)?.type === 'file') {
        let m = companionsOf.get(base);
        if (!m) companionsOf.set(base, (m = new Map()));
        m.set(suffix, (m.get(suffix) ?? 0) + c.count);
        continue;
      }
    }
    grouped.set(c.target, { target: c.target, type: c.type, count: c.count });
  }
  for (const [base, members] of companionsOf) {
    const g = grouped.get(base);
    if (!g) continue;
    const present = COMPANIONS.filter((s) => members.has(s));
    g.parts = [{ target: base, count: g.count }];
    for (const s of present) {
      const n = members.get(s) ?? 0;
      g.parts.push({ target: base + s, count: n });
      g.count += n;
    }
    g.target = `${base} (+ ${present.join(', ')})`;
  }
  return [...grouped.values()]
    .filter((g) => g.count > 1)
    .sort((a, b) => b.count - a.count || (a.target < b.target ? -1 : a.target > b.target ? 1 : 0))
    .slice(0, limit);
}
