import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { parseStoredLine, type LogLine } from './log-line.js';
import { activeLogPath, serviceLogDir, STREAMS, type StreamName } from './paths.js';
import { listLogFiles } from './retention.js';

const gunzipAsync = promisify(gunzip);

/** Which lines readLogs returns. */
export interface ReadLogsOptions {
  /** Only the last n lines (after the other filters). */
  n?: number;
  /** Only lines captured at or after this time (ms since the epoch). */
  since?: number;
  /** Only lines matching this expression (tested on the text without the timestamp). */
  grep?: RegExp;
  /** Streams to read (default both). */
  streams?: StreamName[];
}

interface OpenedFile {
  fh: FileHandle;
  gz: boolean;
  mtimeMs: number;
}

/**
 * A stream's files, oldest first: rotated ones by decreasing index (the `.gz` one when a compression
 * just finished and both exist), then the active file. Opened at once so that a rotation while we
 * read cannot make us skip or repeat a file (files are told apart by inode).
 */
async function openStreamFiles(home: string, service: string, stream: StreamName): Promise<OpenedFile[]> {
  const rotated = listLogFiles(serviceLogDir(home, service))
    .filter((f) => f.stream === stream && f.index !== null)
    .sort((a, b) => (b.index as number) - (a.index as number) || Number(b.gz) - Number(a.gz));
  const paths: { path: string; gz: boolean }[] = [];
  let lastIndex = -1;
  for (const f of rotated) {
    if (f.index === lastIndex) continue; // plain twin of a finished .gz
    lastIndex = f.index as number;
    paths.push({ path: f.path, gz: f.gz });
  }
  paths.push({ path: activeLogPath(home, service, stream), gz: false });
  const seen = new Set<number>();
  const out: OpenedFile[] = [];
  for (const p of paths) {
    let fh: FileHandle;
    try {
      fh = await open(p.path, 'r');
    } catch {
      continue; // deleted meanwhile
    }
    const st = await fh.stat();
    if (seen.has(st.ino)) {
      await fh.close();
      continue;
    }
    seen.add(st.ino);
    out.push({ fh, gz: p.gz, mtimeMs: st.mtimeMs });
  }
  return out;
}

async function fileLines(f: OpenedFile): Promise<string[]> {
  let buf = await f.fh.readFile();
  if (f.gz) buf = await gunzipAsync(buf);
  const lines = buf.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The matching lines of one stream, oldest first (at most the last n when n is given). */
async function readStream(
  home: string,
  service: string,
  stream: StreamName,
  o: ReadLogsOptions,
): Promise<LogLine[]> {
  const files = await openStreamFiles(home, service, stream);
  const chunks: LogLine[][] = [];
  let count = 0;
  try {
    // Newest first, so that -n reads only the files it needs.
    for (let i = files.length - 1; i >= 0; i--) {
      const f = files[i] as OpenedFile;
      // Every line of a file was written before its last modification.
      if (o.since !== undefined && f.mtimeMs < o.since) break;
      const kept: LogLine[] = [];
      for (const raw of await fileLines(f)) {
        const line = parseStoredLine(stream, raw);
        if (o.since !== undefined && line.t !== null && line.t < o.since) continue;
        if (o.grep && !o.grep.test(line.text)) continue;
        kept.push(line);
      }
      chunks.unshift(kept);
      count += kept.length;
      if (o.n !== undefined && count >= o.n) break;
    }
  } finally {
    await Promise.all(files.map((f) => f.fh.close()));
  }
  const all = chunks.flat();
  return o.n !== undefined ? all.slice(Math.max(0, all.length - o.n)) : all;
}

/**
 * Reads a service's logs across rotated and gzipped files. Lines of one stream are in the order
 * written. With timestamps, stdout and stderr are merged by capture time (stdout first on ties; a
 * line without a timestamp, such as a marker, takes the time of the line before it); without, all
 * of stdout comes first, then all of stderr. `since` without timestamps is only as fine as whole
 * files (a file modified after `since` is returned entire).
 */
export async function readLogs(
  home: string,
  service: string,
  opts: ReadLogsOptions = {},
): Promise<LogLine[]> {
  const streams = opts.streams ?? [...STREAMS];
  const per = await Promise.all(streams.map((s) => readStream(home, service, s, opts)));
  let merged: LogLine[];
  if (per.some((lines) => lines.some((l) => l.t !== null))) merged = mergeByTime(per);
  else merged = per.flat();
  return opts.n !== undefined ? merged.slice(Math.max(0, merged.length - opts.n)) : merged;
}

function mergeByTime(per: LogLine[][]): LogLine[] {
  const keyed = per.map((lines) => {
    let last = 0;
    return lines.map((l) => {
      if (l.t !== null) last = l.t;
      return { l, t: last };
    });
  });
  const out: LogLine[] = [];
  const pos = keyed.map(() => 0);
  while (true) {
    let best = -1;
    for (let i = 0; i < keyed.length; i++) {
      const e = keyed[i]?.[pos[i] as number];
      if (!e) continue;
      const b = best >= 0 ? keyed[best]?.[pos[best] as number] : undefined;
      if (!b || e.t < b.t) best = i;
    }
    if (best < 0) return out;
    out.push((keyed[best]?.[pos[best] as number] as { l: LogLine }).l);
    pos[best] = (pos[best] as number) + 1;
  }
}
