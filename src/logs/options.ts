/** How a service's output is kept on disk. Field names match the `logs:` block of vigil.yaml. */
export interface LogOptions {
  /** Size in bytes at which the active file is rotated (default 10 MiB). */
  max_size: number;
  /** Rotated files kept per stream (default 5). */
  keep: number;
  /** Gzip rotated files, asynchronously (default false). */
  compress: boolean;
  /** Bytes per service for all its files, active ones included; oldest rotated deleted first. */
  budget?: number;
  /** Rotated files older than this many milliseconds are deleted. */
  max_age?: number;
  /** Prefix each line with its ISO time of capture (default false). */
  timestamps: boolean;
  /** Longest line kept whole; longer lines are split with a visible marker (default 64 KiB). */
  max_line: number;
}

export const DEFAULT_LOG_OPTIONS: LogOptions = {
  max_size: 10 * 1024 * 1024,
  keep: 5,
  compress: false,
  timestamps: false,
  max_line: 64 * 1024,
};

/** Fills missing fields with the defaults. */
export function resolveLogOptions(partial: Partial<LogOptions> = {}): LogOptions {
  const o: LogOptions = { ...DEFAULT_LOG_OPTIONS };
  for (const [k, v] of Object.entries(partial))
    if (v !== undefined) (o as unknown as Record<string, unknown>)[k] = v;
  return o;
}
