import { totalmem } from 'node:os';
import { parseMeminfo } from './parse-meminfo.js';
import { readProcText } from './proc-read.js';
import { probeSupport } from './support.js';

/** The machine's memory in bytes: MemTotal of /proc/meminfo (os.totalmem() where there is no /proc). */
export async function machineMemoryBytes(): Promise<number> {
  if (probeSupport()) return totalmem();
  const text = await readProcText('/proc/meminfo');
  return (text !== null ? parseMeminfo(text).total_bytes : null) ?? totalmem();
}
