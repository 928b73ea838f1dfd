import { readFileSync } from 'node:fs';

/** The daemon's own nofile limits (Node raised its soft limit to the hard one at start-up). */
export function ownNofile(): { soft: number; hard: number } {
  try {
    const text = readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
    if (m) {
      const n = (s: string) => (s === 'unlimited' ? 1048576 : Number(s));
      return { soft: n(m[1]!), hard: n(m[2]!) };
    }
  } catch {
    // not Linux
  }
  return { soft: 1024, hard: 4096 };
}
