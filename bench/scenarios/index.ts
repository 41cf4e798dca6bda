// The virtual-time routing scenarios, by name.
export { chatMultiturn } from './chat-multiturn.js';
export { llmdSharedPrefix } from './llmd-shared-prefix.js';
export { pdLongPrefill } from './pd-long-prefill.js';
export { benchDataFile, mooncakeConversation, traceReplay } from './trace-replay.js';
export { parseTrace, parseTraceLine, readTraceFile, TraceFormatError } from './mooncake-trace.js';
export type { TraceRecord } from './mooncake-trace.js';
export type { BuildOptions, BuiltScenario, CapacitySpec, Layout, Scenario } from './scenario.js';
