import { VigilError } from '../errors.js';

/** One sample of a service's resources, as `vigil export` writes and `vigil analyze` reads. */
export interface TraceRow {
  /** Seconds (Unix time). */
  t: number;
  fds: number;
  fd_limit: number;
  rss_bytes: number;
  mem_limit_bytes: number;
}

/** The header line of a trace CSV, in column order. */
export const TRACE_COLUMNS = ['t', 'fds', 'fd_limit', 'rss_bytes', 'mem_limit_bytes'] as const;

const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/** Parses a trace CSV; throws VigilError `TRACE_CSV_INVALID` naming the file and line of the first fault. */
export function parseTraceCsv(text: string, fileName: string): TraceRow[] {
  const lines = text.split(/\r?\n/);
  const fail = (line: number, what: string): never => {
    throw new VigilError('TRACE_CSV_INVALID', `${fileName}:${line}: ${what}`, { file: fileName, line });
  };
  const header = (lines[0] ?? '').trim().replace(/^\uFEFF/, '');
  if (header !== TRACE_COLUMNS.join(',')) {
    fail(1, `expected the header '${TRACE_COLUMNS.join(',')}', found '${header.slice(0, 80)}'`);
  }
  const rows: TraceRow[] = [];
  let lastT = -Infinity;
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    const cells = raw.split(',');
    if (cells.length !== TRACE_COLUMNS.length) {
      fail(i + 1, `expected ${TRACE_COLUMNS.length} comma-separated values, found ${cells.length}`);
    }
    const v = cells.map((c, k) => {
      const s = c.trim();
      if (!NUMBER.test(s)) fail(i + 1, `${TRACE_COLUMNS[k]} is not a number: '${s.slice(0, 40)}'`);
      return Number(s);
    });
    const [t, fds, fdLimit, rss, memLimit] = v as [number, number, number, number, number];
    if (t < lastT) fail(i + 1, `time goes backwards (${t} after ${lastT})`);
    if (fds < 0 || fdLimit < 0 || rss < 0 || memLimit < 0) fail(i + 1, 'negative count or limit');
    lastT = t;
    rows.push({ t, fds, fd_limit: fdLimit, rss_bytes: rss, mem_limit_bytes: memLimit });
  }
  return rows;
}

/** Formats rows as a trace CSV (header, one line per sample, trailing newline). */
export function formatTraceCsv(rows: readonly TraceRow[]): string {
  const out = [TRACE_COLUMNS.join(',')];
  for (const r of rows) out.push(`${r.t},${r.fds},${r.fd_limit},${r.rss_bytes},${r.mem_limit_bytes}`);
  return out.join('\n') + '\n';
}
