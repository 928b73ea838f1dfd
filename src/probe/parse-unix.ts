/** How a unix socket is named. */
export type UnixNameKind = 'path' | 'abstract' | 'unnamed';

/** One row of /proc/net/unix. */
export interface UnixSocket {
  inode: number;
  type: 'stream' | 'dgram' | 'seqpacket' | 'unknown';
  /** LISTEN, UNCONNECTED, CONNECTING, CONNECTED or DISCONNECTING. */
  state: string;
  /** Filesystem path, or "@name" for an abstract socket (the kernel shows NULs as '@'); null when unnamed. */
  path: string | null;
  name_kind: UnixNameKind;
}

const ROW =
  /^[0-9a-fA-F]+: [0-9A-Fa-f]+ [0-9A-Fa-f]+ ([0-9A-Fa-f]+) ([0-9A-Fa-f]+) ([0-9A-Fa-f]+) +(\d+)(?: (.*))?$/;
const TYPES: Record<number, UnixSocket['type']> = { 1: 'stream', 2: 'dgram', 5: 'seqpacket' };
const STATES: Record<number, string> = {
  1: 'UNCONNECTED',
  2: 'CONNECTING',
  3: 'CONNECTED',
  4: 'DISCONNECTING',
};
const SO_ACCEPTCON = 0x10000;

/** Parses the text of /proc/net/unix. A path holding newlines spans several lines; they are joined back. */
export function parseNetUnix(text: string): UnixSocket[] {
  const parser = new UnixLineParser();
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) parser.push(line);
  return parser.rows;
}

/**
 * Parses /proc/net/unix one line at a time (for reading it in chunks), keeping only the inodes in
 * `wanted` when given. A line that is not a row continues the previous row's path.
 */
export class UnixLineParser {
  readonly rows: UnixSocket[] = [];
  private prev: UnixSocket | null = null;
  constructor(private readonly wanted?: ReadonlySet<number>) {}

  /** Takes the next line (without its newline). */
  push(line: string): void {
    const m = ROW.exec(line);
    if (!m) {
      // The kernel prints the path raw: a newline in it continues the previous row's path.
      if (this.prev && this.prev.path !== null) this.prev.path += '\n' + line;
      return;
    }
    const inode = Number(m[4]);
    if (this.wanted && !this.wanted.has(inode)) {
      this.prev = null;
      return;
    }
    const flags = parseInt(m[1] as string, 16);
    const path = m[5] === undefined || m[5] === '' ? null : m[5];
    this.prev = {
      inode,
      type: TYPES[parseInt(m[2] as string, 16)] ?? 'unknown',
      state: flags & SO_ACCEPTCON ? 'LISTEN' : (STATES[parseInt(m[3] as string, 16)] ?? 'UNKNOWN'),
      path,
      name_kind: path === null ? 'unnamed' : path.startsWith('@') ? 'abstract' : 'path',
    };
    this.rows.push(this.prev);
  }
}
