/**
 * The last bytes written to a stream, kept in memory so that the last lines of a run can be saved
 * with its record even when the disk was full. Holds at least `cap` bytes (whole buffers), no more
 * than `cap` plus one buffer.
 */
export class TailRing {
  private parts: Buffer[] = [];
  private bytes = 0;
  /** Older bytes were discarded, so the first line held may be incomplete. */
  private trimmed = false;

  constructor(private readonly cap: number) {}

  /** Adds a run of complete lines. */
  add(parts: Buffer[]): void {
    if (parts.length === 0) return;
    // One copy per run: small slices must not pin the large read buffers they come from.
    const b =
      parts.length === 1 && (parts[0] as Buffer).length >= 8192 ? (parts[0] as Buffer) : Buffer.concat(parts);
    if (b.length === 0) return;
    this.parts.push(b);
    this.bytes += b.length;
    while (this.parts.length > 1 && this.bytes - (this.parts[0] as Buffer).length >= this.cap) {
      this.bytes -= (this.parts.shift() as Buffer).length;
      this.trimmed = true;
    }
  }

  /** Adds a marker line (gap, dropped lines) so that lastLines shows it too. */
  addText(line: string): void {
    this.add([Buffer.from(line)]);
  }

  /** The last `n` complete lines, oldest first, without their newlines. */
  lastLines(n: number): string[] {
    if (n <= 0 || this.bytes === 0) return [];
    const lines = Buffer.concat(this.parts, this.bytes).toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (this.trimmed && lines.length > n) lines.shift();
    return lines.slice(-n);
  }
}
