import { existsSync } from 'node:fs';
import { platform } from 'node:os';

/** What a reader returns where there is no Linux /proc: says which measurements are missing. */
export interface Unsupported {
  unsupported: string;
}

/** Measurements that need Linux's /proc and are missing elsewhere. */
export const MISSING_WITHOUT_PROC = [
  'fd counts and fd limits',
  'fd classification (files, sockets, pipes) and top targets',
  'socket states and remote endpoints',
  'RSS, PSS and swap per process',
  'threads',
  'process tree discovery (descendants, marker variable) and start times',
] as const;

/** null when `procRoot` looks like Linux's /proc; otherwise why not, and what is missing. */
export function checkProcSupport(procRoot: string, platformName: string): Unsupported | null {
  if (existsSync(`${procRoot}/self/stat`)) return null;
  return {
    unsupported: `unsupported: /proc is not available on ${platformName}; missing: ${MISSING_WITHOUT_PROC.join('; ')}`,
  };
}

let cached: Unsupported | null | undefined;

/** null where /proc is readable (Linux); otherwise the reason and what is missing. Checked once. */
export function probeSupport(): Unsupported | null {
  if (cached === undefined) cached = checkProcSupport('/proc', platform());
  return cached;
}

/** Type guard for the Unsupported answer of a reader. */
export function isUnsupported(x: unknown): x is Unsupported {
  return typeof x === 'object' && x !== null && typeof (x as Unsupported).unsupported === 'string';
}
