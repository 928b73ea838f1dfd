// TEMPORARY; replaced by the config branch's diffService.
import type { ServiceConfig } from './schema.js';

export function diffService(
  old: ServiceConfig,
  next: ServiceConfig,
): { restart: boolean; changed: string[] } {
  const keys = new Set([...Object.keys(old), ...Object.keys(next)]) as Set<keyof ServiceConfig>;
  const changed = [...keys].filter((k) => JSON.stringify(old[k]) !== JSON.stringify(next[k]));
  const restartKeys = ['command', 'cwd', 'env', 'env_file', 'user', 'group', 'limits'];
  return { restart: changed.some((k) => restartKeys.includes(k)), changed };
}
