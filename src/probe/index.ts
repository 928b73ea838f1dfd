// The resource probe: pure parsers of /proc text and thin async readers. See docs/probe.md.
export { classifyFdTarget, FD_TYPES, type FdTarget, type FdType } from './fd-target.js';
export { topTargets, type TargetCount, type TopTarget } from './top-targets.js';
export { parseProcStat, type ProcStat } from './parse-stat.js';
export { parseProcStatus, type ProcStatus } from './parse-status.js';
export {
  parseProcLimits,
  finiteLimit,
  type Limit,
  type LimitValue,
  type ProcLimits,
} from './parse-limits.js';
export { parseSmapsRollup, type SmapsRollup } from './parse-smaps-rollup.js';
export { parseEnviron, environHas } from './parse-environ.js';
export { parseMeminfo, parseBootTime, type MemInfo } from './parse-meminfo.js';
export {
  parseNetInet,
  decodeEndpoint,
  formatEndpoint,
  formatIpv6,
  tcpStateName,
  type Endpoint,
  type InetProtocol,
  type InetSocket,
} from './parse-net.js';
export { parseNetUnix, type UnixSocket, type UnixNameKind } from './parse-unix.js';
export { ProcParseError } from './parse-error.js';
export {
  probeSupport,
  checkProcSupport,
  isUnsupported,
  MISSING_WITHOUT_PROC,
  type Unsupported,
} from './support.js';
export { countFds, fdDirSizeCounts } from './count-fds.js';
export {
  listProcesses,
  findTree,
  readProcessInfo,
  type ProcessInfo,
  type TreeProcess,
  type TreeMarker,
  type TreeMembership,
} from './process-tree.js';
export { readProcessStart, processStartTimeMs } from './process-start.js';
export { clockTicks, bootTimeSec } from './clock.js';
export { machineMemoryBytes } from './machine-memory.js';
export { readSocketTable, type ResolvedSocket, type SocketTable } from './socket-table.js';
export { TimeSlicer } from './time-slicer.js';
export { readProcText, readProcLines } from './proc-read.js';
export { UnixLineParser } from './parse-unix.js';
export type { ReadlinkMode } from './fd-scan.js';
export { FdLinkWorker, fdLinkWorker } from './fd-worker.js';
export {
  sampleService,
  nearestToLimit,
  clearCommandCache,
  type SampleOptions,
  type ProcessSample,
  type ServiceSample,
  type SocketSummary,
  type FdClassification,
} from './sample-service.js';
