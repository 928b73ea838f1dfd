import type { ServiceConfig } from './schema.js';

/** Fields whose change needs the service restarted: they are fixed when its process is spawned. */
export const RESTART_FIELDS = ['command', 'cwd', 'env', 'user', 'group', 'limits'] as const;

/** Equality of plain JSON-like values (key order ignored). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * What changed between two versions of a service (top-level keys, sorted), and whether the change
 * needs a restart (command, cwd, env — env_file's contents included —, user, group or limits);
 * everything else applies to the running service.
 */
export function diffService(
  old: ServiceConfig,
  next: ServiceConfig,
): { restart: boolean; changed: string[] } {
  // No env and an empty env are the same environment.
  const a: Record<string, unknown> = { ...old, env: old.env ?? {} };
  const b: Record<string, unknown> = { ...next, env: next.env ?? {} };
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const changed = [...keys].filter((k) => !same(a[k], b[k])).sort();
  const restart = changed.some((k) => (RESTART_FIELDS as readonly string[]).includes(k));
  return { restart, changed };
}
