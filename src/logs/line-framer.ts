/** Ends a piece of a line longer than `max_line`; the rest follows on the next line. */
export const SPLIT_SUFFIX = ' [vigil: long line split here]';
/** Starts each continuation piece of a split line. */
export const CONT_PREFIX = '[vigil: continued] ';

const NL = 10;
const SUFFIX_NL = Buffer.from(SPLIT_SUFFIX + '\n');
const CONT = Buffer.from(CONT_PREFIX);
const NEWLINE = Buffer.from('\n');

/**
 * Turns the raw bytes of a pipe into whole lines, in order: holds a partial last line until its
 * newline arrives, splits lines longer than `maxLine` with a visible marker (never drops them), and
 * optionally prefixes each line with its ISO capture time. Output is a list of buffers whose
 * concatenation is a run of complete lines; in the common case it is one zero-copy slice of the input,
 * so it is valid only until the caller reuses the input buffer. What is held back is copied.
 */
export class LineFramer {
  private partial: Buffer[] = [];
  private partialLen = 0;
  /** The next line emitted continues a split line. */
  private continuing = false;
  /** The first bytes seen continue a line whose start was written by someone else (handover). */
  private midLine: boolean;

  constructor(
    private readonly maxLine: number,
    private readonly timestamps: boolean,
    opts: { midLine?: boolean } = {},
  ) {
    this.midLine = opts.midLine ?? false;
  }

  /** Bytes held back as an incomplete last line. */
  get pendingBytes(): number {
    return this.partialLen;
  }

  /** Feeds a chunk; returns the complete lines it finished (possibly none). */
  push(chunk: Buffer, now: number): Buffer[] {
    const out: Buffer[] = [];
    const stamp = this.timestamps ? Buffer.from(new Date(now).toISOString() + ' ') : null;
    let start = 0;
    if (this.partialLen > 0) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.partial.push(Buffer.from(chunk)); // the caller reuses its read buffer
        this.partialLen += chunk.length;
        this.spillPartial(out, stamp);
        return out;
      }
      this.partial.push(chunk.subarray(0, nl));
      const line = Buffer.concat(this.partial, this.partialLen + nl);
      this.partial = [];
      this.partialLen = 0;
      this.emitLine(out, line, stamp);
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last >= start) {
      const body = chunk.subarray(start, last + 1);
      if (stamp === null && !this.continuing && !this.midLine && !hasLongLine(body, this.maxLine)) {
        out.push(body); // passed through untouched: the common case costs no per-line work
      } else {
        this.emitLines(out, body, stamp);
      }
      start = last + 1;
    }
    if (start < chunk.length) {
      // A copy: the caller reuses its read buffer for the next read.
      const rest = Buffer.from(chunk.subarray(start));
      this.partial.push(rest);
      this.partialLen += rest.length;
      this.spillPartial(out, stamp);
    }
    return out;
  }

  /** At end of stream: the held partial line, terminated with a newline. */
  flushPartial(now: number): Buffer[] {
    if (this.partialLen === 0) return [];
    const out: Buffer[] = [];
    const line = Buffer.concat(this.partial, this.partialLen);
    this.partial = [];
    this.partialLen = 0;
    this.emitLine(out, line, this.timestamps ? Buffer.from(new Date(now).toISOString() + ' ') : null);
    return out;
  }

  /**
   * On a handover (daemon closing while the child runs): the partial line as raw bytes, without a
   * newline, so that the next reader can finish it in place. Null if none.
   */
  takePartialRaw(now: number): Buffer | null {
    if (this.partialLen === 0) return null;
    const parts: Buffer[] = [];
    this.openLine(parts, this.timestamps ? Buffer.from(new Date(now).toISOString() + ' ') : null);
    parts.push(...this.partial);
    this.partial = [];
    this.partialLen = 0;
    return Buffer.concat(parts);
  }

  private emitLines(out: Buffer[], body: Buffer, stamp: Buffer | null): void {
    let pos = 0;
    let runStart = 0; // start of a run of lines passed through untouched (no stamp, short)
    while (pos < body.length) {
      const nl = body.indexOf(NL, pos);
      const end = nl < 0 ? body.length : nl;
      const len = end - pos;
      if (stamp === null && !this.continuing && !this.midLine && len <= this.maxLine) {
        pos = end + 1;
        continue;
      }
      if (runStart < pos) out.push(body.subarray(runStart, pos));
      this.emitLine(out, body.subarray(pos, end), stamp);
      pos = end + 1;
      runStart = pos;
    }
    if (runStart < body.length) out.push(body.subarray(runStart));
  }

  /** Emits one complete line (without its newline), split into pieces if too long. */
  private emitLine(out: Buffer[], line: Buffer, stamp: Buffer | null): void {
    let rest = line;
    while (rest.length > this.maxLine) {
      const cut = utf8Cut(rest, this.maxLine);
      this.openLine(out, stamp);
      out.push(rest.subarray(0, cut), SUFFIX_NL);
      this.continuing = true;
      rest = rest.subarray(cut);
    }
    this.openLine(out, stamp);
    out.push(rest, NEWLINE);
    this.continuing = false;
  }

  /** Moves full-size pieces of an over-long partial line out, keeping the rest. */
  private spillPartial(out: Buffer[], stamp: Buffer | null): void {
    if (this.partialLen <= this.maxLine) return;
    let buf = Buffer.concat(this.partial, this.partialLen);
    while (buf.length > this.maxLine) {
      const cut = utf8Cut(buf, this.maxLine);
      this.openLine(out, stamp);
      out.push(buf.subarray(0, cut), SUFFIX_NL);
      this.continuing = true;
      buf = buf.subarray(cut);
    }
    this.partial = buf.length > 0 ? [buf] : [];
    this.partialLen = buf.length;
  }

  /** Writes what starts a line: nothing after a handover, else the stamp and the continuation mark. */
  private openLine(out: Buffer[], stamp: Buffer | null): void {
    if (this.midLine) {
      this.midLine = false;
      return;
    }
    if (stamp) out.push(stamp);
    if (this.continuing) out.push(CONT);
  }
}

/**
 * Whether `body` (complete lines, ending with a newline) holds a line longer than `max` bytes.
 * Jumps from newline to the last newline within the next max+1 bytes: a few native searches per
 * `max` bytes instead of one per line.
 */
export function hasLongLine(body: Buffer, max: number): boolean {
  let pos = 0; // start of the current line
  while (body.length - pos > max + 1) {
    const nl = body.lastIndexOf(NL, pos + max);
    if (nl < pos) return true;
    pos = nl + 1;
  }
  return false;
}

/** Largest cut position ≤ max that does not fall inside a UTF-8 sequence (max if none found nearby). */
function utf8Cut(buf: Buffer, max: number): number {
  for (let p = max; p > max - 4 && p > 0; p--) {
    if (((buf[p] ?? 0) & 0xc0) !== 0x80) return p;
  }
  return max;
}

/** Number of newline bytes in a buffer. */
export function countNewlines(buf: Buffer): number {
  let n = 0;
  let i = buf.indexOf(NL);
  while (i >= 0) {
    n++;
    i = buf.indexOf(NL, i + 1);
  }
  return n;
}
