/** The leak detector: pure, streaming, causal. See docs/leak.md. */
export { LeakDetector, type LeakDetectorOptions } from './detector.js';
export type { LeakKind, Verdict, VerdictKind } from './verdict.js';
export { parseTraceCsv, formatTraceCsv, TRACE_COLUMNS, type TraceRow } from './trace-csv.js';
export { replayTrace, type ReplayResult } from './replay.js';
