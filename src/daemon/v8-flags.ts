import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings of the daemon process. With Node's defaults the young generation of a busy daemon grows
 * to 32 MiB (two 16 MiB semi-spaces, resident once touched) and the old generation runs far ahead of its
 * live size; the daemon's heap is small and long-lived, so it trades a little GC work for memory
 * (docs/daemon-memory.md has the measurements):
 * - `--optimize-for-size`: V8's memory-saving heuristics (smaller heap growing factor, earlier GCs);
 * - `--semi-space-growth-factor=1`: the young generation keeps its initial size (1 MiB semi-spaces)
 *   instead of doubling up to 16 MiB. Unlike `--max-semi-space-size`, this one takes effect when set
 *   at run time, so the foreground `vigil up` gets it too, not only a daemon Vigil spawns itself;
 * - `--no-opt`: no TurboFan. The daemon's time goes to system calls, SQLite and forks, not to hot
 *   JavaScript: in paired runs its CPU per restart and its log throughput were the same within the
 *   noise, while the optimizing compiler's code, its compilation memory and the binary pages it runs
 *   cost about 6 MiB at 100 services.
 * Not every V8 flag may be set at run time (`--single-threaded` aborts the process): change with care.
 */
export const DAEMON_V8_FLAGS = ['--optimize-for-size', '--semi-space-growth-factor=1', '--no-opt'];

/**
 * Applies the daemon's V8 flags to this process (call first, before the daemon's modules load) and
 * returns them. `VIGIL_DAEMON_V8_FLAGS` replaces them (space-separated; empty for Node's defaults).
 */
export function applyDaemonV8Flags(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env.VIGIL_DAEMON_V8_FLAGS;
  const flags = override === undefined ? DAEMON_V8_FLAGS : override.split(/\s+/).filter(Boolean);
  for (const f of flags) setFlagsFromString(f);
  return flags;
}
