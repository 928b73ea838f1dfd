import { open } from 'node:fs/promises';

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

// Most /proc files fit in the first read; big ones (/proc/net/tcp) get larger reads, fewer round trips.
const FIRST_CHUNK = 16 * 1024;
const MAX_CHUNK = 1024 * 1024;

/**
 * Reads a /proc file as text off the event loop; null when the process is gone or the file may not be read. /proc files report
 * size 0, so this reads until end of file rather than trusting fstat (what readFile does).
 */
export async function readProcText(path: string): Promise<string | null> {
  const buf = await readProcBuffer(path);
  return buf === null ? null : buf.toString('utf8');
}

/** Like readProcText, but the raw bytes (for NUL-separated files). */
export async function readProcBuffer(path: string): Promise<Buffer | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (isGoneError(err) || isDeniedError(err)) return null;
    throw err;
  }
  try {
    const chunks: Buffer[] = [];
    for (let size = FIRST_CHUNK; ; size = Math.min(size * 4, MAX_CHUNK)) {
      const chunk = Buffer.allocUnsafe(size);
      const { bytesRead } = await handle.read(chunk, 0, size, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === size ? chunk : chunk.subarray(0, bytesRead));
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  } catch (err) {
    if (isGoneError(err) || isDeniedError(err)) return null;
    throw err;
  } finally {
    await handle.close();
  }
}
