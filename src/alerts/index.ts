export { AlertEngine } from './engine.js';
export type {
  AlertEngineOptions,
  StatusOptions,
  Thresholds,
  UtilisationSample,
  VerdictContext,
} from './engine.js';
export { SqliteAlertStore } from './alert-store.js';
export type { Alert } from './types.js';
export { decideLeakAction, leakRestartNeed, releaseLeakHold, INITIAL_LEAK_STATE } from './leak-action.js';
export type { LeakActionConfig, LeakActionInput, LeakDecision, LeakRestartReason } from './leak-action.js';
export { WebhookNotifier, redactUrl } from './webhook.js';
export type { NotifierOptions, WebhookFailure, WebhookStats, WebhookTarget } from './webhook.js';
export { buildBody, fromTransition, transitionText } from './payload.js';
export type { Notification, WebhookBody } from './payload.js';
export { leakMessage } from './messages.js';
export type * from './types.js';
