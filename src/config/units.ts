/**
 * The value syntaxes of vigil.yaml: durations, sizes, percentages, times of day, day lists and
 * restart budgets. Pure parsers: each returns the normalised value, or undefined when the text is
 * malformed (the schema turns that into a message that shows the accepted forms).
 */

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "500ms", "10s", "5m", "2h", "7d", "1h30m", or a number of seconds → milliseconds (undefined if malformed). */
export function parseDuration(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1000) : undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const token = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    token.lastIndex = pos;
    const m = token.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    pos = token.lastIndex;
  }
  return s.length > 0 ? Math.round(total) : undefined;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** "512MiB", "10MB", "1GiB", "64KiB" (KB/MB/GB powers of 1000, KiB/MiB/GiB of 1024) or bytes → bytes. */
export function parseSize(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(v.trim());
  if (!m) return undefined;
  const unit = (m[2] as string).toLowerCase();
  const factor = unit === '' ? 1 : SIZE_UNITS[unit];
  return factor === undefined ? undefined : Math.round(Number(m[1]) * factor);
}

/** "70%" or a fraction 0.7 → a fraction in [0, 1] (undefined if malformed or out of range). */
export function parsePercent(v: string | number): number | undefined {
  let f: number;
  if (typeof v === 'number') f = v;
  else {
    const m = /^(\d+(?:\.\d+)?)\s*%$/.exec(v.trim());
    if (m) f = Number(m[1]) / 100;
    else if (/^\d*\.\d+$|^[01]$/.test(v.trim())) f = Number(v.trim());
    else return undefined;
  }
  return Number.isFinite(f) && f >= 0 && f <= 1 ? f : undefined;
}

/** "HH:MM" or "HH:MM:SS" (hours may have one digit) → the same text zero-padded (undefined if malformed). */
export function parseTimeOfDay(v: string): string | undefined {
  const m = /^(\d{1,2}):([0-5]\d)(?::([0-5]\d))?$/.exec(v.trim());
  if (!m || Number(m[1]) > 23) return undefined;
  const hh = (m[1] as string).padStart(2, '0');
  return m[3] === undefined ? `${hh}:${m[2]}` : `${hh}:${m[2]}:${m[3]}`;
}

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

const DAY_SETS: Record<string, readonly Day[]> = {
  weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'],
  weekends: ['sat', 'sun'],
  daily: DAYS,
  all: DAYS,
};

const FULL_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** Index in DAYS of "mon" or "monday" (any case), or -1. */
function dayIndex(s: string): number {
  const t = s.trim().toLowerCase();
  const i = DAYS.indexOf(t as Day);
  return i >= 0 ? i : FULL_NAMES.indexOf(t);
}

/**
 * Days of the week: a list of names, or one string such as "weekdays", "weekends", "daily",
 * "mon-fri" (ranges may wrap: "fri-mon") or "mon,wed,fri" → names in week order, without repeats.
 */
export function parseDays(v: string | readonly string[]): Day[] | undefined {
  const parts = typeof v === 'string' ? v.split(',') : v.flatMap((p) => p.split(','));
  const set = new Set<number>();
  for (const raw of parts) {
    const p = raw.trim().toLowerCase();
    const named = DAY_SETS[p];
    if (named) {
      for (const d of named) set.add(DAYS.indexOf(d));
      continue;
    }
    const range = /^([a-z]+)\s*-\s*([a-z]+)$/.exec(p);
    if (range) {
      const a = dayIndex(range[1] as string);
      const b = dayIndex(range[2] as string);
      if (a < 0 || b < 0) return undefined;
      for (let i = a; ; i = (i + 1) % 7) {
        set.add(i);
        if (i === b) break;
      }
      continue;
    }
    const i = dayIndex(p);
    if (i < 0) return undefined;
    set.add(i);
  }
  if (set.size === 0) return undefined;
  return [...set].sort((a, b) => a - b).map((i) => DAYS[i] as Day);
}

/** A restart budget: at most `count` restarts within `window_ms`. */
export interface RestartBudget {
  count: number;
  window_ms: number;
}

/** "10 in 10m" → {count: 10, window_ms: 600000} (undefined if malformed). */
export function parseRestartBudget(v: string): RestartBudget | undefined {
  const m = /^\s*(\d+)\s+in\s+(\S.*?)\s*$/i.exec(v);
  if (!m) return undefined;
  const window = parseDuration(m[2] as string);
  const count = Number(m[1]);
  if (window === undefined || window <= 0 || count < 1) return undefined;
  return { count, window_ms: window };
}

/** Milliseconds → the shortest exact text such as "1h30m", "500ms", "0s" (for messages and docs). */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** A value as a message shows it: strings quoted, lists and mappings named. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}
