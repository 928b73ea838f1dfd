import { Worker } from 'node:worker_threads';

// The worker's code is inline (plain CommonJS, node:fs only) so that it runs the same from dist/,
// from the TypeScript sources under tsx, and from a bundle: no file path to resolve.
const SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
parentPort.on('message', ({ id, pid }) => {
  const dir = '/proc/' + pid + '/fd/';
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    parentPort.postMessage({ id, code: err.code || 'EUNKNOWN', message: String(err.message) });
    return;
  }
  const links = [];
  for (const n of names) {
    try {
      links.push(fs.readlinkSync(dir + n));
    } catch (err) {
      if (err.code === 'EACCES' || err.code === 'EPERM') links.push('');
      else if (err.code !== 'ENOENT' && err.code !== 'ESRCH') {
        parentPort.postMessage({ id, code: err.code || 'EUNKNOWN', message: String(err.message) });
        return;
      }
    }
  }
  parentPort.postMessage({ id, links });
});
`;

interface Reply {
  id: number;
  links?: string[];
  code?: string;
  message?: string;
}

type Pending = { resolve: (links: string[]) => void; reject: (err: Error) => void };

/** How long the worker stays up without a request before it is terminated (ms). */
export const FD_WORKER_IDLE_MS = 30_000;

/**
 * A worker thread that reads a process's fd links (readdir + a readlink per fd, synchronously), so
 * that the per-fd system calls never run on the event loop's thread. Started on first use, unref'd
 * (it never keeps the process alive), restarted if it dies, and terminated after `idleMs` without a
 * request: a worker is a second V8 isolate, about 10 MiB of the daemon's memory, worth paying only
 * while a process with a large fd table is being classified.
 */
export class FdLinkWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly idleMs = FD_WORKER_IDLE_MS) {}

  /** Whether the worker thread exists now (it is started on demand and stopped when idle). */
  get running(): boolean {
    return this.worker !== null;
  }

  /** The link texts of each open fd of `pid` ('' for a link that may not be read). Rejects with the errno code. */
  links(pid: number): Promise<string[]> {
    this.cancelIdleStop();
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) w.ref();
      w.postMessage({ id, pid });
    });
  }

  /** Stops the worker (pending reads are rejected). */
  async close(): Promise<void> {
    this.cancelIdleStop();
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private cancelIdleStop(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** Terminates the worker once it has had nothing to do for `idleMs`. */
  private scheduleIdleStop(): void {
    this.cancelIdleStop();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.pending.size === 0) void this.close();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(SOURCE, { eval: true });
    w.unref();
    w.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (this.pending.size === 0) {
        w.unref();
        this.scheduleIdleStop();
      }
      if (r.links) p.resolve(r.links);
      else p.reject(Object.assign(new Error(r.message ?? 'fd worker failed'), { code: r.code }));
    });
    const fail = (err: Error): void => {
      if (this.worker === w) this.worker = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`fd worker exited with code ${code}`)));
    this.worker = w;
    return w;
  }
}

/** The probe's shared fd-link worker. */
export const fdLinkWorker = new FdLinkWorker();
