import { kbToBytes, parseKeyValueLines } from './parse-status.js';

/** MemTotal and MemAvailable of /proc/meminfo, in bytes. */
export interface MemInfo {
  total_bytes: number | null;
  available_bytes: number | null;
}

/** Parses the text of /proc/meminfo. */
export function parseMeminfo(text: string): MemInfo {
  const kv = parseKeyValueLines(text);
  return { total_bytes: kbToBytes(kv.get('MemTotal')), available_bytes: kbToBytes(kv.get('MemAvailable')) };
}

/** btime (boot time, seconds since the epoch) from /proc/stat; null if absent. */
export function parseBootTime(procStatText: string): number | null {
  const m = /^btime (\d+)$/m.exec(procStatText);
  return m ? Number(m[1]) : null;
}
