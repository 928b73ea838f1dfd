import { join } from 'node:path';

/** The two captured streams of a service. */
export type StreamName = 'out' | 'err';
export const STREAMS: readonly StreamName[] = ['out', 'err'];

/** Folder holding a service's log files. */
export function serviceLogDir(home: string, service: string): string {
  return join(home, 'logs', service);
}

/** Active log file of one stream. */
export function activeLogPath(home: string, service: string, stream: StreamName): string {
  return join(serviceLogDir(home, service), `${stream}.log`);
}

/** The FIFOs' folder when the daemon has chosen no other (see src/daemon/runtime-dir.ts). */
export function homeFifoDir(home: string): string {
  return join(home, 'run', 'fifo');
}

/** FIFO through which a service's stream reaches the daemon, in the daemon's FIFO folder. */
export function fifoPath(fifoDir: string, service: string, stream: StreamName): string {
  return join(fifoDir, `${service}.${stream}`);
}

/** A rotated file's name parsed: `out.log.3` or `err.log.1.gz`. */
export interface RotatedName {
  stream: StreamName;
  index: number;
  gz: boolean;
}

const ROTATED_RE = /^(out|err)\.log\.([1-9][0-9]*)(\.gz)?$/;

/** Parses a rotated file name, or null for anything else (active files, temporaries). */
export function parseRotatedName(name: string): RotatedName | null {
  const m = ROTATED_RE.exec(name);
  if (!m) return null;
  return { stream: m[1] as StreamName, index: Number(m[2]), gz: m[3] !== undefined };
}

/** Prefix of compression temporaries; never taken for a log file by readers. */
export const GZ_TMP_PREFIX = '.gz-tmp-';
