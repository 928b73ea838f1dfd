import type { StreamName } from './paths.js';

/** One line read back from the log files. */
export interface LogLine {
  stream: StreamName;
  /** The line without its newline and without the timestamp prefix. */
  text: string;
  /** Capture time (ms since the epoch) when the line carries a timestamp prefix, else null. */
  t: number | null;
}

const STAMP_RE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) /;

/** Splits the optional ISO timestamp prefix off a stored line. */
export function parseStoredLine(stream: StreamName, raw: string): LogLine {
  const m = STAMP_RE.exec(raw);
  if (!m) return { stream, text: raw, t: null };
  return { stream, text: raw.slice(m[0].length), t: Date.parse(m[1] as string) };
}
