/** Helpers for printing: tables for people (NO_COLOR and non-TTY aware), JSON for programs. */

export interface CliIO {
  out: (s: string) => void;
  err: (s: string) => void;
  /** True when stdout is a terminal and NO_COLOR is not set. */
  color: boolean;
}

export function defaultIO(): CliIO {
  return {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb',
  };
}

/** Prints a value as pretty JSON followed by a newline. */
export function printJson(io: CliIO, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + '\n');
}

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`, 'g');

/** Visible width of a string, ignoring colour escapes. */
function width(s: string): number {
  return s.replace(ANSI, '').length;
}

export type Style = 'red' | 'green' | 'yellow' | 'dim' | 'bold';
const CODES: Record<Style, string> = { red: '31', green: '32', yellow: '33', dim: '2', bold: '1' };

/** Colours `s` when the output is a colour terminal; otherwise returns it unchanged. */
export function paint(io: CliIO, style: Style, s: string): string {
  return io.color ? `${ESC}[${CODES[style]}m${s}${ESC}[0m` : s;
}

/** Formats rows as an aligned table with a header line. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - width(c))))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/** 3725 → "1h2m". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  let s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
