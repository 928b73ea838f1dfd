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
