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

export { formatBytes, formatDuration } from '../format.js';
