import { kbToBytes, parseKeyValueLines } from './parse-status.js';

/** Memory totals from /proc/PID/smaps_rollup, in bytes; null where absent (an exited or kernel process gives empty text). */
export interface SmapsRollup {
  rss_bytes: number | null;
  pss_bytes: number | null;
  swap_bytes: number | null;
  swap_pss_bytes: number | null;
}

/** Parses the text of /proc/PID/smaps_rollup. */
export function parseSmapsRollup(text: string): SmapsRollup {
  const kv = parseKeyValueLines(text);
  return {
    rss_bytes: kbToBytes(kv.get('Rss')),
    pss_bytes: kbToBytes(kv.get('Pss')),
    swap_bytes: kbToBytes(kv.get('Swap')),
    swap_pss_bytes: kbToBytes(kv.get('SwapPss')),
  };
}
