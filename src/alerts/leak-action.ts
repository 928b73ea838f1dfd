import type { LeakActionState } from './types.js';

/** `leak` section of a service, durations in ms. */
export interface LeakActionConfig {
  action: 'alert' | 'restart';
  restart_before: number;
  min_interval: number;
}

/** What the detector and the latest sample say now. ETAs in seconds from now; utilisation as a fraction. */
export interface LeakActionInput {
  fds_eta_s: number | null;
  rss_eta_s: number | null;
  fd_utilisation: number | null;
  /** `alerts.fds.fail` of the service (fraction of the fd limit). */
  fd_fail: number;
}

export type LeakRestartReason = 'leak-fds' | 'leak-memory' | 'fd-limit';

export type LeakDecision =
  | { action: 'none'; state: LeakActionState }
  | {
      action: 'restart' | 'hold';
      reason: LeakRestartReason;
      /** Set once, when a restart was needed again within min_interval: raise the leak-loop alert. */
      raise?: 'leak-loop';
      state: LeakActionState;
    };

/** State of a service that never had a leak restart. */
export const INITIAL_LEAK_STATE: LeakActionState = { last_restart_at: null, held: false, held_since: null };

/** Why a restart is wanted now, or null: the nearest predicted exhaustion first, then the fd `fail` threshold. */
export function leakRestartNeed(cfg: LeakActionConfig, input: LeakActionInput): LeakRestartReason | null {
  const before = cfg.restart_before / 1000;
  const fds = input.fds_eta_s !== null && input.fds_eta_s < before ? input.fds_eta_s : null;
  const rss = input.rss_eta_s !== null && input.rss_eta_s < before ? input.rss_eta_s : null;
  if (fds !== null && (rss === null || fds <= rss)) return 'leak-fds';
  if (rss !== null) return 'leak-memory';
  if (input.fd_utilisation !== null && input.fd_utilisation >= input.fd_fail) return 'fd-limit';
  return null;
}

/**
 * Decides whether to restart a leaking service now. Pure: the caller persists the returned state.
 * At most one leak restart per `min_interval`; a second one needed sooner returns `hold` with
 * `raise: 'leak-loop'` and every later call holds until `releaseLeakHold` (the alert was acknowledged).
 * Crash restarts are not this function's business: they follow the restart policy regardless.
 */
export function decideLeakAction(
  cfg: LeakActionConfig,
  state: LeakActionState,
  input: LeakActionInput,
  now: number,
): LeakDecision {
  const reason = leakRestartNeed(cfg, input);
  if (cfg.action !== 'restart' || reason === null) return { action: 'none', state };
  if (state.held) return { action: 'hold', reason, state };
  if (state.last_restart_at !== null && now - state.last_restart_at < cfg.min_interval) {
    return { action: 'hold', reason, raise: 'leak-loop', state: { ...state, held: true, held_since: now } };
  }
  return { action: 'restart', reason, state: { last_restart_at: now, held: false, held_since: null } };
}

/**
 * The leak-loop alert was acknowledged: leak restarts are allowed again, starting afresh (the next one
 * is allowed at once; one more within min_interval after it raises leak-loop again).
 */
export function releaseLeakHold(_state: LeakActionState): LeakActionState {
  return { ...INITIAL_LEAK_STATE };
}
