/** Parses /proc/PID/environ (NUL-separated KEY=VALUE); the first occurrence of a key wins. */
export function parseEnviron(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const key = entry.slice(0, eq);
    if (!out.has(key)) out.set(key, entry.slice(eq + 1));
  }
  return out;
}

/** True when the environ text holds exactly `key=value` (without parsing the whole of it). */
export function environHas(text: string, key: string, value: string): boolean {
  const needle = `${key}=${value}`;
  let at = text.indexOf(needle);
  while (at !== -1) {
    const startOk = at === 0 || text.charCodeAt(at - 1) === 0;
    const end = at + needle.length;
    const endOk = end === text.length || text.charCodeAt(end) === 0;
    if (startOk && endOk) return true;
    at = text.indexOf(needle, at + 1);
  }
  return false;
}

const NONE: readonly string[] = Object.freeze([]);

/** Every value `key` has in the environ text (usually none or one; a shared empty array when none). */
export function environValues(text: string, key: string): readonly string[] {
  const prefix = `${key}=`;
  let out: string[] | null = null;
  let at = text.indexOf(prefix);
  while (at !== -1) {
    if (at === 0 || text.charCodeAt(at - 1) === 0) {
      const end = text.indexOf('\0', at);
      (out ??= []).push(text.slice(at + prefix.length, end === -1 ? text.length : end));
    }
    at = text.indexOf(prefix, at + 1);
  }
  return out ?? NONE;
}
