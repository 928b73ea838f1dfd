const NL = 10;
/** First capacity of a ring: a quiet service never needs more memory than its output. */
const MIN_CAPACITY = 4096;

/**
 * The last bytes written to a stream, kept in memory so that the last lines of a run can be saved
 * with its record even when the disk was full. A circular buffer that owns its bytes (callers reuse
 * their read buffer), grown by doubling up to `cap` and then overwritten in place: a busy stream
 * costs one copy of each read and no allocation.
 */
export class TailRing {
  private buf: Buffer = Buffer.alloc(0);
  /** Where the oldest byte held is, and how many bytes are held. */
  private start = 0;
  private len = 0;
  /** Whether the oldest byte held starts a line (false once older bytes of its line were overwritten). */
  private whole = true;

  constructor(private readonly cap: number) {}

  /** Adds a run of complete lines (copied). */
  add(parts: Buffer[]): void {
    for (const p of parts) this.addBytes(p);
  }

  /** Adds a marker line (gap, dropped lines) so that lastLines shows it too. */
  addText(line: string): void {
    this.addBytes(Buffer.from(line));
  }

  /** The last `n` complete lines, oldest first, without their newlines. */
  lastLines(n: number): string[] {
    if (n <= 0 || this.len === 0) return [];
    const lines = this.linear().toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (!this.whole) lines.shift();
    return lines.slice(-n);
  }

  private addBytes(b: Buffer): void {
    if (b.length === 0) return;
    if (this.len + b.length > this.buf.length && this.buf.length < this.cap) this.grow(this.len + b.length);
    const size = this.buf.length;
    if (b.length >= size) {
      this.whole = b[b.length - size - 1] === NL || (b.length === size && this.endsLine());
      b.copy(this.buf, 0, b.length - size);
      this.start = 0;
      this.len = size;
      return;
    }
    const over = this.len + b.length - size;
    if (over > 0) {
      // The byte just before the new start decides whether the oldest line is whole.
      this.whole = this.buf[(this.start + over - 1) % size] === NL;
      this.start = (this.start + over) % size;
      this.len -= over;
    }
    const at = (this.start + this.len) % size;
    const first = Math.min(b.length, size - at);
    b.copy(this.buf, at, 0, first);
    if (first < b.length) b.copy(this.buf, 0, first);
    this.len += b.length;
  }

  /** Whether the newest byte held is a newline (or nothing is held). */
  private endsLine(): boolean {
    return this.len === 0 || this.buf[(this.start + this.len - 1) % this.buf.length] === NL;
  }

  private grow(need: number): void {
    let size = Math.max(MIN_CAPACITY, this.buf.length);
    while (size < need && size < this.cap) size *= 2;
    const next = Buffer.allocUnsafe(Math.min(size, this.cap));
    this.linear().copy(next);
    this.buf = next;
    this.start = 0;
  }

  /** The held bytes in order, as one buffer (a copy when they wrap around). */
  private linear(): Buffer {
    const end = this.start + this.len;
    if (end <= this.buf.length) return this.buf.subarray(this.start, end);
    return Buffer.concat([this.buf.subarray(this.start), this.buf.subarray(0, end - this.buf.length)]);
  }
}
