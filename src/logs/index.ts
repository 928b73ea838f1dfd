export {
  ServiceLogs,
  GAP_MARKER,
  READ_BYTES,
  type LineEvent,
  type LogStats,
  type ServiceLogsOptions,
} from './service-logs.js';
export { GlobalBudget } from './global-budget.js';
export { readLogs, type ReadLogsOptions } from './read-logs.js';
export { followLogs, type FollowLogsOptions, type LogFollower } from './follow-logs.js';
export type { LogLine } from './log-line.js';
export { DEFAULT_LOG_OPTIONS, resolveLogOptions, type LogOptions } from './options.js';
export { activeLogPath, fifoPath, homeFifoDir, serviceLogDir, type StreamName } from './paths.js';
export { droppedMarker } from './rotating-file.js';
export { SPLIT_SUFFIX, CONT_PREFIX } from './line-framer.js';
