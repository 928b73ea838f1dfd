/** A limit value: a number in the limit's unit, or 'unlimited'. */
export type LimitValue = number | 'unlimited';

/** One row of /proc/PID/limits. */
export interface Limit {
  soft: LimitValue;
  hard: LimitValue;
  unit: string | null;
}

/** The limits Vigil uses, plus every row by its name ("Max open files", …). */
export interface ProcLimits {
  open_files: Limit | null;
  processes: Limit | null;
  address_space: Limit | null;
  all: Record<string, Limit>;
}

const ROW = /^(Max [A-Za-z ]+?)\s+(unlimited|\d+)\s+(unlimited|\d+)(?:\s+(\S+))?\s*$/;

function value(s: string): LimitValue {
  return s === 'unlimited' ? 'unlimited' : Number(s);
}

/** Parses the text of /proc/PID/limits. */
export function parseProcLimits(text: string): ProcLimits {
  const all: Record<string, Limit> = {};
  for (const line of text.split('\n')) {
    const m = ROW.exec(line);
    if (!m) continue;
    all[m[1] as string] = { soft: value(m[2] as string), hard: value(m[3] as string), unit: m[4] ?? null };
  }
  return {
    open_files: all['Max open files'] ?? null,
    processes: all['Max processes'] ?? null,
    address_space: all['Max address space'] ?? null,
    all,
  };
}

/** A limit as a finite number, or null when unlimited or unknown. */
export function finiteLimit(v: LimitValue | undefined): number | null {
  return typeof v === 'number' ? v : null;
}
