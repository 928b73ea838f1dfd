/** How the supervisor hands a service's stdout/stderr to the log capture (see src/logs). */
export interface LogSink {
  /** Makes the pipes and returns the fds to give the child as stdout and stderr. */
  prepareSpawn(): { stdout: number; stderr: number };
  /** Called right after spawn (also after a failed spawn): releases the daemon's copies of the child's ends. */
  afterSpawn(): void;
  /** The FIFO paths of stdout and stderr. */
  fifoPaths(): { out: string; err: string };
  /** Makes sure both FIFOs are being read, for a process that opens them itself (a woken standby). */
  openReaders(): void;
  /** Resumes capture of a still-running service after a daemon restart. */
  attach(opts: { gap: boolean }): void;
  /** Resolves once everything the service wrote has been read (and, unless `flush: false`, written). */
  waitDrained(timeoutMs: number, opts?: { flush?: boolean }): Promise<boolean>;
  lastLines(stream: 'out' | 'err', n: number): string[];
  close(): Promise<void>;
}
