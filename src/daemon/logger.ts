import { closeSync, openSync, renameSync, statSync, writeSync } from 'node:fs';

/** The daemon's own structured log: one JSON object per line, rotated at 10 MiB (one old file kept). */
export class DaemonLog {
  private fd: number;
  private size: number;
  constructor(
    private readonly path: string,
    private readonly echo: ((line: string) => void) | null = null,
    private readonly maxBytes = 10 * 1024 * 1024,
  ) {
    this.fd = openSync(path, 'a', 0o600);
    this.size = statSync(path).size;
  }

  write(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
    const line = JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields }) + '\n';
    if (this.echo) this.echo(`${level === 'info' ? '' : level + ': '}${msg}\n`);
    try {
      if (this.size + line.length > this.maxBytes) this.rotate();
      writeSync(this.fd, line);
      this.size += Buffer.byteLength(line);
    } catch {
      // A full disk must not take the daemon down; the event is raised elsewhere.
    }
  }

  info(msg: string, fields?: Record<string, unknown>): void {
    this.write('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.write('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.write('error', msg, fields);
  }

  private rotate(): void {
    closeSync(this.fd);
    renameSync(this.path, this.path + '.1');
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = 0;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // closed
    }
  }
}
