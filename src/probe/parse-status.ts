/** The fields of /proc/PID/status that Vigil uses. Memory fields are null where the kernel omits them (zombies, kernel threads). */
export interface ProcStatus {
  name: string | null;
  state: string | null;
  ppid: number | null;
  rss_bytes: number | null;
  swap_bytes: number | null;
  threads: number | null;
  /** Real, effective, saved and filesystem ids. */
  uid: number[];
  gid: number[];
}

/** Parses "Key:\tvalue" lines into a map (the value trimmed). */
export function parseKeyValueLines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return out;
}

/** "1772 kB" → 1814528; null when absent or malformed. */
export function kbToBytes(value: string | undefined): number | null {
  if (value === undefined) return null;
  const m = /^(\d+)(?:\s*kB)?$/.exec(value);
  return m ? Number(m[1]) * 1024 : null;
}

function int(value: string | undefined): number | null {
  if (value === undefined || !/^-?\d+$/.test(value)) return null;
  return Number(value);
}

function ids(value: string | undefined): number[] {
  if (!value) return [];
  return value
    .split(/\s+/)
    .map(Number)
    .filter((n) => Number.isInteger(n));
}

/** Parses the text of /proc/PID/status. */
export function parseProcStatus(text: string): ProcStatus {
  const kv = parseKeyValueLines(text);
  return {
    name: kv.get('Name') ?? null,
    state: kv.get('State')?.charAt(0) ?? null,
    ppid: int(kv.get('PPid')),
    rss_bytes: kbToBytes(kv.get('VmRSS')),
    swap_bytes: kbToBytes(kv.get('VmSwap')),
    threads: int(kv.get('Threads')),
    uid: ids(kv.get('Uid')),
    gid: ids(kv.get('Gid')),
  };
}
