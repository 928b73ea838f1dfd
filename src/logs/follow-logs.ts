import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { parseStoredLine, type LogLine } from './log-line.js';
import { activeLogPath, serviceLogDir, STREAMS, type StreamName } from './paths.js';
import { listLogFiles } from './retention.js';

const gunzipAsync = promisify(gunzip);

/** What followLogs yields and how often it looks. */
export interface FollowLogsOptions {
  streams?: StreamName[];
  grep?: RegExp;
  /** Poll interval (ms, default 100). */
  pollMs?: number;
  /** Start at the beginning of the active files instead of their end. */
  fromStart?: boolean;
}

/** Lines appended to a service's logs, as they come; close() ends the iteration. */
export interface LogFollower extends AsyncIterable<LogLine> {
  close(): Promise<void>;
}

/** Follows one stream's active file by inode; on rotation finishes the old file, then the new one. */
class StreamFollower {
  private fh: FileHandle | null = null;
  private ino = -1;
  private pos = 0;
  private partial = Buffer.alloc(0);
  private readonly path: string;
  private readonly dir: string;

  constructor(
    home: string,
    service: string,
    private readonly stream: StreamName,
    private readonly emit: (line: LogLine) => void,
  ) {
    this.path = activeLogPath(home, service, stream);
    this.dir = serviceLogDir(home, service);
  }

  async init(fromStart: boolean): Promise<void> {
    try {
      this.fh = await open(this.path, 'r');
      const st = await this.fh.stat();
      this.ino = st.ino;
      this.pos = fromStart ? 0 : st.size;
    } catch {
      this.fh = null; // not created yet: picked up by poll()
    }
  }

  async poll(): Promise<void> {
    let cur: number | null;
    try {
      cur = (await stat(this.path)).ino;
    } catch {
      cur = null; // between rename and creation
    }
    if (this.fh === null) {
      if (cur === null) return;
      await this.reopen();
    } else if (cur !== null && cur !== this.ino) {
      // Rotated: the writer closed the old file before renaming it, so it is complete now.
      await this.readToEnd();
      await this.readRotatedSince(this.ino);
      await this.fh.close();
      await this.reopen();
    }
    await this.readToEnd();
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = null;
  }

  private async reopen(): Promise<void> {
    this.fh = null;
    try {
      this.fh = await open(this.path, 'r');
      this.ino = (await this.fh.stat()).ino;
      this.pos = 0;
    } catch {
      this.fh = null;
    }
  }

  /**
   * Several rotations between two polls: the file we followed is now `.k`; read `.k-1` … `.1`.
   * If it was compressed or deleted meanwhile it cannot be found, and we assume it became `.1`.
   */
  private async readRotatedSince(ino: number): Promise<void> {
    const rotated = listLogFiles(this.dir).filter((f) => f.stream === this.stream && f.index !== null);
    let k: number | null = null;
    for (const f of rotated) {
      if (f.gz) continue;
      try {
        if ((await stat(f.path)).ino === ino) k = f.index;
      } catch {
        // gone
      }
    }
    if (k === null) return;
    for (let j = k - 1; j >= 1; j--) {
      const base = join(this.dir, `${this.stream}.log.${j}`);
      let buf: Buffer;
      try {
        buf = await readFile(base + '.gz').then((b) => gunzipAsync(b));
      } catch {
        try {
          buf = await readFile(base);
        } catch {
          continue;
        }
      }
      this.take(buf);
    }
  }

  private async readToEnd(): Promise<void> {
    if (!this.fh) return;
    const buf = Buffer.allocUnsafe(256 * 1024);
    while (true) {
      const { bytesRead } = await this.fh.read(buf, 0, buf.length, this.pos);
      if (bytesRead === 0) return;
      this.pos += bytesRead;
      this.take(buf.subarray(0, bytesRead));
    }
  }

  private take(chunk: Buffer): void {
    const data = this.partial.length ? Buffer.concat([this.partial, chunk]) : chunk;
    const last = data.lastIndexOf(10);
    if (last < 0) {
      this.partial = Buffer.from(data);
      return;
    }
    const lines = data.subarray(0, last).toString('utf8').split('\n');
    this.partial = Buffer.from(data.subarray(last + 1));
    for (const raw of lines) this.emit(parseStoredLine(this.stream, raw));
  }
}

/**
 * Yields the lines appended to a service's log files from now on (or from the start of the active
 * files), across rotations, until closed. Polls every 100 ms by default.
 */
export function followLogs(home: string, service: string, opts: FollowLogsOptions = {}): LogFollower {
  const queue: LogLine[] = [];
  let wake: (() => void) | null = null;
  let closed = false;
  const emit = (line: LogLine): void => {
    if (opts.grep && !opts.grep.test(line.text)) return;
    queue.push(line);
    wake?.();
  };
  const followers = (opts.streams ?? [...STREAMS]).map((s) => new StreamFollower(home, service, s, emit));
  const ready = Promise.all(followers.map((f) => f.init(opts.fromStart ?? false)));
  let timer: NodeJS.Timeout | null = null;
  let polling: Promise<void> = Promise.resolve();
  const loop = (): void => {
    if (closed) return;
    polling = Promise.all(followers.map((f) => f.poll()))
      .then(() => undefined)
      .catch(() => undefined)
      .finally(() => {
        if (!closed) timer = setTimeout(loop, opts.pollMs ?? 100);
      });
  };
  void ready.then(loop);

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (timer) clearTimeout(timer);
    await ready;
    await polling;
    await Promise.all(followers.map((f) => f.close()));
    wake?.();
  };

  return {
    close,
    [Symbol.asyncIterator](): AsyncIterator<LogLine> {
      return {
        async next(): Promise<IteratorResult<LogLine>> {
          while (queue.length === 0 && !closed) await new Promise<void>((r) => (wake = r));
          wake = null;
          const line = queue.shift();
          return line ? { value: line, done: false } : { value: undefined, done: true };
        },
        async return(): Promise<IteratorResult<LogLine>> {
          await close();
          return { value: undefined, done: true };
        },
      };
    },
  };
}
