import {
  closeSync,
  constants,
  createReadStream,
  createWriteStream,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  renameSync,
  statfs,
  statSync,
  unlinkSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { countNewlines } from './line-framer.js';
import { GZ_TMP_PREFIX, parseRotatedName } from './paths.js';

/** Marker written where lines were dropped because the disk was full. */
export function droppedMarker(n: number): string {
  return `--- vigil: ${n} lines dropped (disk full) ---\n`;
}

const ROTATE = Symbol('rotate');
type Item = Buffer | typeof ROTATE;

/** Most bytes handed to one writev. */
const MAX_BATCH = 4 * 1024 * 1024;
/** Most buffers handed to one writev (Linux's IOV_MAX). */
const MAX_IOV = 1024;

/** What a RotatingFile reports to its owner. */
export interface RotatingFileHooks {
  /** Writing failed (ENOSPC and the like): lines are being dropped until writing works again. */
  onFull?(err: NodeJS.ErrnoException): void;
  /** Writing works again; `dropped` lines were lost meanwhile (a marker line says so in the file). */
  onRecovered?(dropped: number): void;
  /** Lines that could not be written. */
  onDropped?(n: number): void;
  /** A rotation happened (retention and budgets may now delete old files). */
  onRotated?(): void;
  /** A compression finished (sizes changed). */
  onCompressed?(): void;
}

export interface RotatingFileOptions {
  path: string;
  maxSize: number;
  keep: number;
  compress: boolean;
  /** How often writing is retried after a full disk (ms, default 1000). */
  retryMs?: number;
  /**
   * Free bytes the file system must have before writing resumes after a full disk (default 1 MiB),
   * so that a few freed bytes do not make capture flap between full and recovered.
   */
  recoverFreeBytes?: number;
  hooks?: RotatingFileHooks;
}

interface CompressJob {
  index: number;
  ino: number;
  done: Promise<void>;
}

/**
 * An append-only log file rotated by size: `out.log` → `out.log.1` … `out.log.N` (`.gz` when
 * compressed). Writes are queued in order and written synchronously (writev on an fd this object
 * owns) before write() returns, so callers may reuse their buffers at once; rotation is an item in
 * the same queue, so it happens between two whole lines and loses nothing. A rotated file is never
 * kept open (except by a running compression, which reads it once).
 *
 * Why synchronous: a page-cache write of one read (≤ 1 MiB) takes well under a millisecond, while a
 * thread-pool write needs the data kept alive (a fresh buffer per read, hence garbage and RSS growth)
 * and two thread hand-offs per batch. The daemon's SQLite store writes synchronously to the same disk.
 */
export class RotatingFile {
  private fd: number | null = null;
  private readonly queue: Item[] = [];
  private queued = 0;
  /** Size the active file will have once the queue is written (reset at each queued rotation). */
  private projSize = 0;
  private projAtLineStart = true;
  /** Bytes actually in the active file, and where its last complete line ends. */
  private fileSize = 0;
  private lastLineEnd = 0;
  private full = false;
  private pendingDropped = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly jobs = new Set<CompressJob>();
  private jobSeq = 0;
  readonly stats = { bytes: 0, dropped_lines: 0, rotations: 0 };

  constructor(private readonly opts: RotatingFileOptions) {}

  /**
   * Opens the active file for appending if it exists. A missing file (or folder) is not created here:
   * the first write creates it, so a service that prints nothing costs no inode and leaves no empty file.
   */
  open(): void {
    this.projSize = 0;
    this.projAtLineStart = true;
    this.fileSize = 0;
    this.lastLineEnd = 0;
    try {
      this.fd = openSync(this.opts.path, constants.O_WRONLY | constants.O_APPEND);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return; // created by the first write
      throw err;
    }
    this.fileSize = fstatSync(this.fd).size;
    this.lastLineEnd = this.fileSize;
    this.projSize = this.fileSize;
    if (this.fileSize > 0) {
      // A handover may have left the last line open; the next reader must know.
      const rfd = openSync(this.opts.path, 'r');
      try {
        const b = Buffer.alloc(1);
        readSync(rfd, b, 0, 1, this.fileSize - 1);
        this.projAtLineStart = b[0] === 10;
      } finally {
        closeSync(rfd);
      }
    }
  }

  /**
   * Opens the active file, creating it and its folder if needed; the queue's projections are left
   * alone (items may already wait for it). Throws what creation met (ENOSPC, EACCES, …).
   */
  private openActive(): void {
    let fd: number;
    try {
      fd = openSync(this.opts.path, 'a', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      makeDir(dirname(this.opts.path));
      fd = openSync(this.opts.path, 'a', 0o644);
    }
    this.fd = fd;
    this.fileSize = fstatSync(fd).size;
    this.lastLineEnd = this.fileSize;
  }

  /** True while writes fail and lines are being dropped. */
  get isFull(): boolean {
    return this.full;
  }

  /** Whether the active file's last byte ends a line (false if a handover left a line open). */
  endsWithNewline(): boolean {
    return this.projAtLineStart;
  }

  /**
   * Writes a run of whole lines (the concatenation of `parts`) before returning, or drops and counts
   * them (full disk). Keeps no reference to `parts`. Never throws.
   */
  write(parts: Buffer[]): void {
    if (parts.length === 0) return;
    if (this.closed || this.full) {
      this.drop(parts);
      return;
    }
    for (const p of parts) if (p.length > 0) this.enqueue(p);
    this.pump();
  }

  /** Resolves once everything written so far is on disk (or dropped): at once, writes are synchronous. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Flushes, stops retrying, waits for compressions, and closes the file. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.full && this.pendingDropped > 0) {
      // Last attempt so that the loss is recorded in the file too; the count is in stats regardless.
      try {
        if (this.fd === null) this.openActive();
        writeSync(this.fd as number, droppedMarker(this.pendingDropped));
        this.pendingDropped = 0;
      } catch {
        // still full
      }
    }
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    await Promise.all([...this.jobs].map((j) => j.done));
  }

  private push(b: Buffer): void {
    this.queue.push(b);
    this.queued += b.length;
    this.projSize += b.length;
    this.projAtLineStart = b[b.length - 1] === 10;
  }

  private queueRotate(): void {
    this.queue.push(ROTATE);
    this.projSize = 0;
  }

  /** Queues a buffer, cutting it at line ends so that rotation falls between two lines. */
  private enqueue(buf: Buffer): void {
    const max = this.opts.maxSize;
    while (buf.length > 0) {
      if (this.projSize >= max && this.projAtLineStart) this.queueRotate();
      const room = max - this.projSize;
      if (buf.length <= room) {
        this.push(buf);
        return;
      }
      if (room > 0) {
        const cut = buf.lastIndexOf(10, room - 1);
        if (cut >= 0) {
          this.push(buf.subarray(0, cut + 1));
          buf = buf.subarray(cut + 1);
          this.queueRotate();
          continue;
        }
      }
      if (this.projAtLineStart && this.projSize > 0) {
        this.queueRotate();
        continue;
      }
      // A line longer than max_size (or one already begun): it finishes in this file.
      const nl = buf.indexOf(10);
      if (nl < 0) {
        this.push(buf);
        return;
      }
      this.push(buf.subarray(0, nl + 1));
      buf = buf.subarray(nl + 1);
    }
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.full) {
      if (this.queue[0] === ROTATE) {
        this.queue.shift();
        this.rotateNow();
        continue;
      }
      const batch: Buffer[] = [];
      let bytes = 0;
      let i = 0;
      while (
        i < this.queue.length &&
        this.queue[i] !== ROTATE &&
        bytes < MAX_BATCH &&
        batch.length < MAX_IOV
      ) {
        const b = this.queue[i++] as Buffer;
        batch.push(b);
        bytes += b.length;
      }
      this.queue.splice(0, i);
      this.writeBatch(batch, bytes);
    }
    // Nothing may stay queued: the caller reuses its buffers (and a full disk dropped the rest).
    this.queue.length = 0;
    this.queued = 0;
  }

  private writeBatch(batch: Buffer[], bytes: number): void {
    if (this.fd === null) {
      // First output (or the file could not be reopened after a rotation): create it now. A failure
      // is handled like a failed write: lines dropped and counted, retried, recovered.
      try {
        this.openActive();
      } catch (err) {
        this.fail(err as NodeJS.ErrnoException, batch);
        return;
      }
    }
    const fd = this.fd as number;
    let rest = batch;
    let left = bytes;
    while (left > 0) {
      let n: number;
      try {
        n = rest.length === 1 ? writeSync(fd, rest[0] as Buffer) : writevSync(fd, rest);
      } catch (err) {
        this.fail(err as NodeJS.ErrnoException, rest);
        return;
      }
      this.advance(rest, n);
      this.queued -= n;
      left -= n;
      if (left > 0) rest = skipBytes(rest, n); // short write: the rest goes again
    }
  }

  /** Accounts for `n` bytes of `batch` having reached the file. */
  private advance(batch: Buffer[], n: number): void {
    let left = n;
    for (const b of batch) {
      if (left <= 0) break;
      const take = Math.min(left, b.length);
      const nl = b.lastIndexOf(10, take - 1);
      if (nl >= 0) this.lastLineEnd = this.fileSize + nl + 1;
      this.fileSize += take;
      left -= take;
    }
    this.stats.bytes += n;
  }

  /** A write failed: trim any partial line, drop what is queued (counted), retry later. */
  private fail(err: NodeJS.ErrnoException, unwritten: Buffer[]): void {
    const lost = [...unwritten, ...(this.queue.filter((i) => i !== ROTATE) as Buffer[])];
    this.queue.length = 0;
    this.queued = 0;
    if (this.fd !== null && this.lastLineEnd < this.fileSize) {
      try {
        ftruncateSync(this.fd, this.lastLineEnd);
        this.fileSize = this.lastLineEnd;
      } catch {
        // the partial line stays; the next marker line starts after it
      }
    }
    this.projSize = this.fileSize;
    this.projAtLineStart = true;
    const wasFull = this.full;
    this.full = true;
    this.drop(lost);
    if (!wasFull) this.opts.hooks?.onFull?.(err);
    this.scheduleRetry();
  }

  private drop(parts: Buffer[]): void {
    let n = 0;
    for (const p of parts) n += countNewlines(p);
    if (n === 0) return;
    this.stats.dropped_lines += n;
    this.pendingDropped += n;
    this.opts.hooks?.onDropped?.(n);
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.retry();
    }, this.opts.retryMs ?? 1000);
    this.retryTimer.unref();
  }

  private retry(): void {
    if (this.closed) return;
    const dir = dirname(this.opts.path);
    const check = (path: string, fallback: string | null): void => {
      statfs(path, (err, st) => {
        if (this.closed) return;
        // The folder may not exist yet (its creation is what failed): ask the folder it goes into.
        if (err?.code === 'ENOENT' && fallback !== null) return check(fallback, null);
        if (!err && st.bavail * st.bsize < (this.opts.recoverFreeBytes ?? 1024 * 1024)) {
          this.scheduleRetry();
          return;
        }
        this.retryWrite();
      });
    };
    check(dir, dirname(dir));
  }

  private retryWrite(): void {
    try {
      if (this.fd === null) this.openActive();
    } catch {
      this.scheduleRetry();
      return;
    }
    const marker = Buffer.from(droppedMarker(this.pendingDropped));
    let n: number;
    try {
      n = writeSync(this.fd as number, marker);
    } catch {
      n = -1;
    }
    if (n < marker.length) {
      if (n > 0) {
        // half a marker: remove it so the file stays made of whole lines
        try {
          ftruncateSync(this.fd as number, this.fileSize);
        } catch {
          // ignore
        }
      }
      this.scheduleRetry();
      return;
    }
    this.fileSize += n;
    this.lastLineEnd = this.fileSize;
    this.projSize = this.fileSize;
    this.projAtLineStart = true;
    this.stats.bytes += n;
    const dropped = this.pendingDropped;
    this.pendingDropped = 0;
    this.full = false;
    this.opts.hooks?.onRecovered?.(dropped);
  }

  private rotated(k: number, gz: boolean): string {
    return `${this.opts.path}.${k}${gz ? '.gz' : ''}`;
  }

  /** Closes the active file, shifts rotated files up by one, opens a fresh active file. */
  private rotateNow(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    const keep = this.opts.keep;
    try {
      // Shift only the files that exist (one readdir), highest index first, so that a large
      // `keep` costs nothing.
      const name = basename(this.opts.path);
      const present: { k: number; gz: boolean }[] = [];
      for (const n of readdirSync(dirname(this.opts.path))) {
        const r = parseRotatedName(n);
        if (r && `${r.stream}.log` === name) present.push({ k: r.index, gz: r.gz });
      }
      present.sort((a, b) => b.k - a.k);
      for (const { k, gz } of present) {
        const src = this.rotated(k, gz);
        try {
          if (k >= keep) unlinkSync(src);
          else renameSync(src, this.rotated(k + 1, gz));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      for (const j of this.jobs) j.index++;
      if (keep >= 1) renameSync(this.opts.path, this.rotated(1, false));
      else unlinkSync(this.opts.path);
      this.stats.rotations++;
      this.fileSize = 0;
      this.lastLineEnd = 0;
      this.openActive();
    } catch (err) {
      this.fail(err as NodeJS.ErrnoException, []);
      return;
    }
    if (this.opts.compress && keep >= 1) this.compress(1);
    this.opts.hooks?.onRotated?.();
  }

  /** Gzips rotated file `index` in the background; the plain file is replaced only when done. */
  private compress(index: number): void {
    let fd: number;
    try {
      fd = openSync(this.rotated(index, false), 'r');
    } catch {
      return;
    }
    const ino = fstatSync(fd).ino;
    const tmp = join(
      dirname(this.opts.path),
      `${GZ_TMP_PREFIX}${basename(this.opts.path)}-${process.pid}-${++this.jobSeq}`,
    );
    const job: CompressJob = { index, ino, done: Promise.resolve() };
    job.done = pipeline(createReadStream('', { fd }), createGzip(), createWriteStream(tmp))
      .then(() => {
        const plain = this.rotated(job.index, false);
        let same: boolean;
        try {
          same = statSync(plain).ino === ino && job.index <= this.opts.keep;
        } catch {
          same = false; // deleted by retention or a budget meanwhile
        }
        if (same) {
          renameSync(tmp, this.rotated(job.index, true));
          unlinkSync(plain);
        } else unlinkSync(tmp);
      })
      .catch(() => {
        try {
          unlinkSync(tmp);
        } catch {
          // never created
        }
      })
      .finally(() => {
        this.jobs.delete(job);
        this.opts.hooks?.onCompressed?.();
      });
    this.jobs.add(job);
  }
}

/**
 * `mkdir -p` that throws the real cause: Node's recursive mkdir reports ENOENT where the kernel said
 * EROFS (and the like), which would name the wrong problem in the disk-full event.
 */
function makeDir(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return; // a file in the way is reported by the open that follows
    if (code !== 'ENOENT' || dirname(dir) === dir) throw err;
    makeDir(dirname(dir));
    try {
      mkdirSync(dir);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
    }
  }
}

/** `bufs` without its first `n` bytes (after a short write). */
function skipBytes(bufs: Buffer[], n: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = n;
  for (const b of bufs) {
    if (skip >= b.length) skip -= b.length;
    else {
      rest.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
  }
  return rest;
}
