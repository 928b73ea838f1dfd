import { EventEmitter, once } from 'node:events';
import { closeSync, constants, openSync, rmSync } from 'node:fs';
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import { ensureFifo } from './fifo.js';
import type { GlobalBudget } from './global-budget.js';
import { LineFramer, countNewlines } from './line-framer.js';
import { resolveLogOptions, type LogOptions } from './options.js';
import { BUSY_PIPE_BYTES, growPipe, releasePipe } from './pipe-size.js';
import { activeLogPath, fifoPath, homeFifoDir, serviceLogDir, STREAMS, type StreamName } from './paths.js';
import { enforceAge, enforceBudget, listLogFiles, type LogFileEntry } from './retention.js';
import { RotatingFile } from './rotating-file.js';
import { TailRing } from './tail-ring.js';

/** Written into the log where a restarted daemon resumed reading a still-running service. */
export const GAP_MARKER =
  '--- vigil: daemon restarted; up to one read (1 MiB) of output may be missing here ---';

/**
 * Size of the one read buffer shared by every reader of the daemon: a grown pipe's whole content.
 * Sharing is safe because each read is framed, written and copied into the tail ring before the
 * callback returns, and it keeps the daemon's memory flat (no fresh buffer, no garbage, per read).
 */
export const READ_BYTES = BUSY_PIPE_BYTES;
/** A read this large means the pipe (64 KiB by default) was full: the service waited on it. */
const FULL_DEFAULT_PIPE = 65536;
/**
 * Bytes one reader handles before letting the event loop run other work (API, probes, other logs):
 * 2 MiB (about 1 ms of work) keeps the loop delay p99 near 2 ms while a service logs flat out.
 */
const BURST_BYTES = 2 * 1024 * 1024;

let sharedReadBuffer: Buffer | null = null;
function readBuffer(): Buffer {
  return (sharedReadBuffer ??= Buffer.allocUnsafeSlow(READ_BYTES));
}

/** Length of the ISO timestamp prefix with its space. */
const STAMP_LENGTH = '2026-01-01T00:00:00.000Z '.length;

/** Bytes of each stream kept in memory for lastLines(). */
const TAIL_BYTES = 128 * 1024;

/** A captured line, as emitted by the 'line' event. */
export interface LineEvent {
  service: string;
  stream: StreamName;
  text: string;
  /** Capture time (ms since the epoch). */
  t: number;
}

/** Counters of a service's capture since this object was created. */
export interface LogStats {
  /** Bytes written to log files. */
  bytes: number;
  /** Complete lines received from the service (written or dropped). */
  lines: number;
  /** Lines that could not be written (full disk). */
  dropped_lines: number;
  rotations: number;
}

export interface ServiceLogsOptions {
  home: string;
  service: string;
  options: Partial<LogOptions>;
  /** Folder of the FIFOs (default VIGIL_HOME/run/fifo; the daemon puts them on a memory filesystem). */
  fifoDir?: string;
  budget?: GlobalBudget;
  /** How often writing is retried after a full disk (ms, default 1000). */
  diskRetryMs?: number;
  /** Free bytes needed before writing resumes after a full disk (default 1 MiB). */
  diskRecoverFreeBytes?: number;
}

interface StreamState {
  name: StreamName;
  fifo: string;
  file: RotatingFile;
  framer: LineFramer;
  ring: TailRing;
  socket: Socket | null;
  wfd: number | null;
  lines: number;
  /** Pipe capacity asked for this reader's pipe (released when the reader closes), -1 if refused. */
  grown: number;
  /** Bytes read since the event loop last ran other work. */
  burst: number;
}

/**
 * Captures one service's stdout and stderr through FIFOs into rotated log files (created with the
 * first output).
 * Events: 'line' (LineEvent; lines are only split out when someone listens), 'disk-full'
 * ({service, stream, code}), 'disk-recovered' ({service, stream, dropped}), 'dropped'
 * ({service, stream, count}).
 */
export class ServiceLogs extends EventEmitter {
  readonly service: string;
  readonly options: LogOptions;
  readonly dir: string;
  private readonly home: string;
  private readonly budget: GlobalBudget | undefined;
  private readonly streams: Record<StreamName, StreamState>;
  private readonly fullStreams = new Set<StreamName>();
  private drainWaiters: (() => void)[] = [];
  private ageTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(opts: ServiceLogsOptions) {
    super();
    this.home = opts.home;
    this.service = opts.service;
    this.options = resolveLogOptions(opts.options);
    this.budget = opts.budget;
    // The folder and files are made by the first output (RotatingFile), not here: adding a service
    // creates no inode on the log disk, and one that prints nothing leaves no empty files.
    this.dir = serviceLogDir(opts.home, opts.service);
    const make = (name: StreamName): StreamState => {
      const file = new RotatingFile({
        path: activeLogPath(this.home, this.service, name),
        maxSize: this.options.max_size,
        keep: this.options.keep,
        compress: this.options.compress,
        retryMs: opts.diskRetryMs,
        recoverFreeBytes: opts.diskRecoverFreeBytes,
        hooks: {
          onFull: (err) => this.setFull(name, true, { code: err.code ?? 'EIO' }),
          onRecovered: (dropped) => {
            this.streams[name].ring.addText(`--- vigil: ${dropped} lines dropped (disk full) ---\n`);
            this.setFull(name, false, { dropped });
          },
          onDropped: (count) => this.emit('dropped', { service: this.service, stream: name, count }),
          onRotated: () => this.enforceRetention(),
          onCompressed: () => this.enforceRetention(),
        },
      });
      file.open();
      return {
        name,
        fifo: fifoPath(opts.fifoDir ?? homeFifoDir(opts.home), this.service, name),
        file,
        framer: new LineFramer(this.options.max_line, this.options.timestamps),
        ring: new TailRing(TAIL_BYTES),
        socket: null,
        wfd: null,
        lines: 0,
        grown: 0,
        burst: 0,
      };
    };
    this.streams = { out: make('out'), err: make('err') };
    this.budget?.register(this.dir);
    if (this.options.max_age !== undefined) {
      const every = Math.max(1000, Math.min(this.options.max_age / 10, 60_000));
      this.ageTimer = setInterval(() => this.enforceRetention(), every);
      this.ageTimer.unref();
    }
    this.enforceRetention({ globalNow: false });
  }

  /**
   * Before spawning a run: makes the FIFOs, starts reading them, and returns the fds to give the
   * child as stdout and stderr (`spawn(cmd, args, {stdio: ['ignore', stdout, stderr]})`).
   */
  prepareSpawn(): { stdout: number; stderr: number } {
    for (const name of STREAMS) {
      const s = this.streams[name];
      ensureFifo(s.fifo);
      // A reader still open (a descendant of the last run holds the FIFO) keeps reading: one reader only.
      if (!s.socket) this.openReader(s);
      if (s.wfd !== null) closeSync(s.wfd);
      s.wfd = openSync(s.fifo, constants.O_RDWR);
    }
    return { stdout: this.streams.out.wfd as number, stderr: this.streams.err.wfd as number };
  }

  /** The FIFOs of both streams (created by prepareSpawn/openReaders; a caller may batch their creation). */
  fifoPaths(): { out: string; err: string } {
    return { out: this.streams.out.fifo, err: this.streams.err.fifo };
  }

  /**
   * Before a process that opens the FIFOs itself (a standby wrapper woken to exec) writes to them: makes
   * sure both are being read. A reader opened with no writer sees no end of file until a writer has come
   * and gone (the kernel suppresses the hang-up until then), so nothing is lost or cut short.
   */
  openReaders(): void {
    for (const name of STREAMS) {
      const s = this.streams[name];
      ensureFifo(s.fifo);
      if (!s.socket) this.openReader(s);
    }
  }

  /** After spawn (successful or not): closes the daemon's copy of the write ends. */
  afterSpawn(): void {
    for (const name of STREAMS) {
      const s = this.streams[name];
      if (s.wfd !== null) closeSync(s.wfd);
      s.wfd = null;
    }
  }

  /**
   * Recovery after a daemon restart: resumes reading the FIFOs of a still-running service. With
   * `gap`, writes a marker line where output read by the dead daemon may be missing.
   */
  attach(opts: { gap: boolean } = { gap: true }): void {
    for (const name of STREAMS) {
      const s = this.streams[name];
      ensureFifo(s.fifo);
      if (opts.gap) {
        const stamp = this.options.timestamps ? new Date().toISOString() + ' ' : '';
        const line = `${s.file.endsWithNewline() ? '' : '\n'}${stamp}${GAP_MARKER}\n`;
        s.file.write([Buffer.from(line)]);
        s.ring.addText(line);
      } else if (!s.file.endsWithNewline()) {
        // A handover left a line open: the new reader finishes it in place.
        s.framer = new LineFramer(this.options.max_line, this.options.timestamps, { midLine: true });
      }
      if (!s.socket) this.openReader(s);
    }
  }

  /** Resolves true once both streams reached end of file (every writer of the tree gone) and all is on disk. */
  async waitDrained(timeoutMs: number, opts: { flush?: boolean } = {}): Promise<boolean> {
    if (!this.allEof()) {
      let timer: NodeJS.Timeout | undefined;
      const ok = await Promise.race([
        new Promise<boolean>((resolve) => this.drainWaiters.push(() => resolve(true))),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (!ok) return false;
    }
    // The last lines are in memory already; a restart need not wait for the files to be written.
    if (opts.flush !== false) await Promise.all(STREAMS.map((n) => this.streams[n].file.flush()));
    return true;
  }

  /** The last `n` lines of a stream (from memory: also those a full disk dropped). */
  lastLines(stream: StreamName, n: number): string[] {
    return this.streams[stream].ring.lastLines(n);
  }

  /** Counters summed over both streams. */
  stats(): LogStats {
    const st: LogStats = { bytes: 0, lines: 0, dropped_lines: 0, rotations: 0 };
    for (const name of STREAMS) {
      const s = this.streams[name];
      st.bytes += s.file.stats.bytes;
      st.lines += s.lines;
      st.dropped_lines += s.file.stats.dropped_lines;
      st.rotations += s.file.stats.rotations;
    }
    return st;
  }

  /**
   * Stops capturing: writes what was read (a line the child has not finished is written as is, so a
   * later attach({gap: false}) can finish it), closes readers, write ends and files.
   * The service keeps running; its output waits in the FIFO for the next reader.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ageTimer) clearInterval(this.ageTimer);
    for (const name of STREAMS) {
      const s = this.streams[name];
      if (s.wfd !== null) closeSync(s.wfd);
      s.wfd = null;
      const sock = s.socket;
      if (sock) {
        s.socket = null;
        releasePipe(s.grown);
        s.grown = 0;
        const closed = once(sock, 'close');
        sock.destroy();
        await closed;
      }
      const raw = s.framer.takePartialRaw(Date.now());
      if (raw) s.file.write([raw]);
    }
    await Promise.all(STREAMS.map((n) => this.streams[n].file.close()));
    this.budget?.unregister(this.dir);
    this.flushDrainWaiters();
  }

  private openReader(s: StreamState): void {
    const fd = openSync(s.fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    // Node honours `onread` in the constructor too (lib/net.js), the type declares it for connect().
    const opts: SocketConstructorOpts & { onread: OnReadOpts } = {
      fd,
      readable: true,
      writable: false,
      onread: { buffer: readBuffer(), callback: (n, buf) => this.onRead(s, sock, n, buf) },
    };
    const sock: Socket = new Socket(opts);
    s.socket = sock;
    s.grown = 0;
    s.burst = 0;
    const finish = (): void => {
      if (s.socket !== sock) return;
      s.socket = null;
      releasePipe(s.grown);
      s.grown = 0;
      const t = Date.now();
      this.deliver(s, s.framer.flushPartial(t), t);
      if (this.allEof()) this.flushDrainWaiters();
    };
    sock.on('end', finish);
    sock.on('close', finish);
    sock.on('error', () => {
      // A read error ends this reader like EOF would; the FIFO can be attached again.
      finish();
    });
  }

  /** One read of `n` bytes in the shared buffer: handled completely before returning. */
  private onRead(s: StreamState, sock: Socket, n: number, buf: Uint8Array): boolean {
    if (s.socket !== sock) return false;
    const t = Date.now();
    const chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
    this.deliver(s, s.framer.push(chunk, t), t);
    // A full default-size pipe: the service is writing faster than 64 KiB per wake-up of the
    // daemon, and each of its writes waits on the pipe; a larger pipe lets both run in parallel.
    if (n >= FULL_DEFAULT_PIPE && s.grown === 0) s.grown = growPipe(s.fifo) || -1;
    if (s.burst === 0) setImmediate(() => (s.burst = 0));
    s.burst += n;
    if (s.burst < BURST_BYTES) return true;
    // Let other work run, then carry on (the service meanwhile fills its pipe, it loses nothing).
    setImmediate(() => {
      if (s.socket === sock) sock.resume();
    });
    return false;
  }

  private deliver(s: StreamState, parts: Buffer[], t: number): void {
    if (parts.length === 0) return;
    let n = 0;
    for (const p of parts) n += countNewlines(p);
    s.lines += n;
    s.file.write(parts); // synchronous: `parts` may point into the shared read buffer
    s.ring.add(parts);
    if (this.listenerCount('line') > 0) {
      const text = Buffer.concat(parts).toString('utf8');
      const lines = text.split('\n');
      lines.pop();
      const skip = this.options.timestamps ? STAMP_LENGTH : 0; // the event carries the time as t
      for (const line of lines)
        this.emit('line', { service: this.service, stream: s.name, text: skip ? line.slice(skip) : line, t });
    }
  }

  private allEof(): boolean {
    return this.streams.out.socket === null && this.streams.err.socket === null;
  }

  private flushDrainWaiters(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  private setFull(stream: StreamName, full: boolean, detail: Record<string, unknown>): void {
    const before = this.fullStreams.size;
    if (full) this.fullStreams.add(stream);
    else this.fullStreams.delete(stream);
    if (before === 0 && this.fullStreams.size > 0)
      this.emit('disk-full', { service: this.service, stream, ...detail });
    else if (before > 0 && this.fullStreams.size === 0)
      this.emit('disk-recovered', { service: this.service, stream, ...detail });
  }

  /** Applies keep, max_age and the budgets; called after each rotation and compression. */
  private enforceRetention(opts: { globalNow?: boolean } = {}): void {
    let files = listLogFiles(this.dir);
    const gone = new Set<LogFileEntry>();
    for (const f of files) {
      if (f.index !== null && f.index > this.options.keep) {
        unlinkQuiet(f.path);
        gone.add(f);
      }
    }
    if (this.options.max_age !== undefined)
      for (const f of enforceAge(files, this.options.max_age, Date.now())) gone.add(f);
    files = files.filter((f) => !gone.has(f));
    if (this.options.budget !== undefined) {
      // Room is kept for the active file to grow to max_size before the next rotation.
      enforceBudget(files, this.options.budget - this.options.max_size);
    }
    if (opts.globalNow === false) this.budget?.enforceSoon();
    else this.budget?.enforce();
  }
}

function unlinkQuiet(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // gone already
  }
}
