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

let cached: Unsupported | null | undefined;

/** null where /proc is readable (Linux); otherwise the reason and what is missing. Checked once. */
export function probeSupport(): Unsupported | null {
  if (cached === undefined) {
    cached = existsSync('/proc/self/stat')
      ? null
      : {
          unsupported: `unsupported: /proc is not available on ${platform()}; missing: ${MISSING_WITHOUT_PROC.join('; ')}`,
        };
  }
  return cached;
}

/** Type guard for the Unsupported answer of a reader. */
export function isUnsupported(x: unknown): x is Unsupported {
  return typeof x === 'object' && x !== null && typeof (x as Unsupported).unsupported === 'string';
}
