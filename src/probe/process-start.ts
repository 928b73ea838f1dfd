import { bootTimeSec, clockTicks } from './clock.js';
import { readProcessInfo } from './process-tree.js';
import { probeSupport, type Unsupported } from './support.js';

/** Start time of a process in clock ticks after boot (with the pid, guards against pid reuse); null if gone. */
export async function readProcessStart(pid: number): Promise<number | null | Unsupported> {
  const unsupported = probeSupport();
  if (unsupported) return unsupported;
  const p = await readProcessInfo(pid);
  return p === null ? null : p.start_ticks;
}

/** Start time of a process in milliseconds since the epoch (btime + starttime / CLK_TCK); null if gone. */
export async function processStartTimeMs(pid: number): Promise<number | null | Unsupported> {
  const ticks = await readProcessStart(pid);
  if (ticks === null || typeof ticks !== 'number') return ticks;
  const [hz, btime] = await Promise.all([clockTicks(), bootTimeSec()]);
  if (btime === null) return null;
  return btime * 1000 + Math.round((ticks * 1000) / hz);
}
