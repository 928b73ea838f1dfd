/** The restart policy, as pure functions: what to do when a run ends. */

export type ServiceStatus =
  'stopped' | 'starting' | 'running' | 'stopping' | 'backoff' | 'crash-loop' | 'failed' | 'scheduled';

export interface PolicyConfig {
  restart: 'always' | 'on-failure' | 'never';
  backoff: { initial: number; max: number; reset: number };
  max_restarts?: { count: number; window_ms: number } | undefined;
}

/** What the policy remembers between runs of one service. */
export interface BackoffState {
  /** Delay to use for the next quick crash. */
  delayMs: number;
  /** Consecutive runs that ended before `backoff.reset`. */
  quickCrashes: number;
  /** Times of restarts inside the budget window (for `max_restarts`). */
  restartTimes: number[];
}

export function initialBackoff(cfg: PolicyConfig): BackoffState {
  return { delayMs: cfg.backoff.initial, quickCrashes: 0, restartTimes: [] };
}

/** Consecutive quick crashes after which a service is shown as `crash-loop`. */
export const CRASH_LOOP_AFTER = 5;

export type Decision =
  | { action: 'restart'; delayMs: number; status: ServiceStatus; state: BackoffState }
  | { action: 'none'; status: ServiceStatus; state: BackoffState; budgetExhausted: boolean };

/**
 * Decides what follows the end of a run that nobody asked for.
 * A run that lasted at least `backoff.reset` is restarted at once and the delay resets; otherwise the
 * restart waits the current delay, which doubles up to `backoff.max`. Vigil never gives up by default;
 * `max_restarts` (N restarts within a window) moves the service to `failed`.
 */
export function decideAfterExit(
  cfg: PolicyConfig,
  prev: BackoffState,
  run: { uptimeMs: number; code: number | null; signal: string | null },
  now: number,
): Decision {
  const clean = run.code === 0 && run.signal === null;
  const state: BackoffState = { ...prev, restartTimes: [...prev.restartTimes] };
  if (cfg.restart === 'never' || (cfg.restart === 'on-failure' && clean)) {
    return { action: 'none', status: clean ? 'stopped' : 'failed', state, budgetExhausted: false };
  }
  if (cfg.max_restarts) {
    const since = now - cfg.max_restarts.window_ms;
    state.restartTimes = state.restartTimes.filter((t) => t > since);
    if (state.restartTimes.length >= cfg.max_restarts.count) {
      return { action: 'none', status: 'failed', state, budgetExhausted: true };
    }
    state.restartTimes.push(now);
  }
  if (run.uptimeMs >= cfg.backoff.reset) {
    state.delayMs = cfg.backoff.initial;
    state.quickCrashes = 0;
    return { action: 'restart', delayMs: 0, status: 'starting', state };
  }
  const delayMs = state.delayMs;
  state.delayMs = Math.min(cfg.backoff.max, Math.max(1, state.delayMs) * 2);
  state.quickCrashes += 1;
  const status: ServiceStatus =
    state.quickCrashes >= CRASH_LOOP_AFTER || delayMs >= cfg.backoff.max ? 'crash-loop' : 'backoff';
  return { action: 'restart', delayMs, status, state };
}
