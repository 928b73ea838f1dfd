import { closeSync, mkdirSync, openSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import type { LogSink } from './log-sink.js';

/** Minimal sink: the child appends straight to files (no rotation). Used until src/logs is wired in. */
export class FileLogSink implements LogSink {
  private readonly dir: string;
  constructor(home: string, service: string) {
    this.dir = join(home, 'logs', service);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }
  private fds: number[] = [];
  prepareSpawn() {
    const stdout = openSync(join(this.dir, 'out.log'), 'a', 0o600);
    const stderr = openSync(join(this.dir, 'err.log'), 'a', 0o600);
    this.fds = [stdout, stderr];
    return { stdout, stderr };
  }
  afterSpawn() {
    for (const fd of this.fds) closeSync(fd);
    this.fds = [];
  }
  attach() {}
  async waitDrained() {
    return true;
  }
  lastLines(stream: 'out' | 'err', n: number): string[] {
    let fd: number;
    try {
      fd = openSync(join(this.dir, `${stream}.log`), 'r');
    } catch {
      return [];
    }
    try {
      const size = fstatSync(fd).size;
      const len = Math.min(size, 16384);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      return buf.toString('utf8').split('\n').filter(Boolean).slice(-n);
    } finally {
      closeSync(fd);
    }
  }
  async close() {
    this.afterSpawn();
  }
}
