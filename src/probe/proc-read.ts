import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { Semaphore } from './semaphore.js';

// A process that exits mid-read makes /proc answer ENOENT (its folder is gone) or ESRCH (the task is
// gone while a file is open).
const GONE = new Set(['ENOENT', 'ESRCH']);
// Another user's (or a non-dumpable) process: there, but not ours to read.
const DENIED = new Set(['EACCES', 'EPERM']);

function code(err: unknown): string {
  return typeof err === 'object' && err !== null ? ((err as NodeJS.ErrnoException).code ?? '') : '';
}

/** True for the errors /proc gives about a process (or fd) that is gone. */
export function isGoneError(err: unknown): boolean {
  return GONE.has(code(err));
}

/** True for a permission error: the process is there but may not be read. */
export function isDeniedError(err: unknown): boolean {
  return DENIED.has(code(err));
}

// Reads go through a few reused 64 KiB buffers: allocating a fresh buffer per read makes V8 account
// megabytes of external memory per sample, which triggers full garbage collections that stall the loop.
const CHUNK = 64 * 1024;
const spare: Buffer[] = [];
const MAX_SPARE = 16;

function takeBuffer(): Buffer {
  return spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
}

function giveBack(buf: Buffer): void {
  if (spare.length < MAX_SPARE) spare.push(buf);
}

// At most two /proc files are read at a time. libuv has four threads and a small machine two cores:
// letting a sample's hundreds of reads occupy all four threads starves the event loop's own thread
// of CPU (and every other file operation of the daemon of threads), which shows as loop delay.
const reads = new Semaphore(Number(process.env.VIGIL_PROBE_READS ?? 2));

/**
 * Reads a /proc file chunk by chunk off the event loop (/proc files report size 0, so it reads until
 * end of file), handing each chunk to `onChunk` as text. Resolves false when the process is gone or
 * the file may not be read, true otherwise.
 */
export function readProcChunks(
  path: string,
  onChunk: (text: string) => void | Promise<void>,
): Promise<boolean> {
  return reads.run(() => readChunks(path, onChunk));
}

async function readChunks(path: string, onChunk: (text: string) => void | Promise<void>): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (isGoneError(err) || isDeniedError(err)) return false;
    throw err;
  }
  const buf = takeBuffer();
  const decoder = new StringDecoder('utf8');
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      await onChunk(decoder.write(buf.subarray(0, bytesRead)));
    }
    const rest = decoder.end();
    if (rest) await onChunk(rest);
    return true;
  } catch (err) {
    if (isGoneError(err) || isDeniedError(err)) return false;
    throw err;
  } finally {
    giveBack(buf);
    await handle.close();
  }
}

/** Reads a /proc file as text off the event loop; null when the process is gone or the file may not be read. */
export async function readProcText(path: string): Promise<string | null> {
  let text = '';
  const ok = await readProcChunks(path, (chunk) => {
    text += chunk;
  });
  return ok ? text : null;
}

/**
 * Calls `onLine` for each line of a /proc file as it is read, without holding the whole text (the
 * socket tables of a busy host run to megabytes). Resolves false when the file could not be read.
 */
export async function readProcLines(
  path: string,
  onLine: (line: string) => void,
  between?: () => Promise<void>,
): Promise<boolean> {
  let carry = '';
  const ok = await readProcChunks(path, async (chunk) => {
    const text = carry + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      onLine(text.slice(start, nl));
      start = nl + 1;
    }
    carry = text.slice(start);
    if (between) await between();
  });
  if (ok && carry !== '') onLine(carry);
  return ok;
}

/**
 * Reads a small /proc file synchronously; null when the process is gone or the file may not be read.
 * Only for files whose kernel side takes no sleeping lock of the target (stat, status, limits): about
 * 15 µs, against 120–270 µs of CPU for the same read through the thread pool. Never for cmdline,
 * environ or smaps_rollup, which wait for the target's memory-map lock.
 */
export function readProcTextSync(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (isGoneError(err) || isDeniedError(err)) return null;
    throw err;
  }
}
