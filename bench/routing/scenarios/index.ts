// The virtual-time routing scenarios, by name.
import { chatMultiturn } from './chat-multiturn.js';
import { llmdSharedPrefix } from './llmd-shared-prefix.js';
import { pdLongPrefill } from './pd-long-prefill.js';
import { mooncakeConversation, traceReplay } from './trace-replay.js';
import type { Scenario } from './scenario.js';

export { chatMultiturn, llmdSharedPrefix, mooncakeConversation, pdLongPrefill, traceReplay };
export { benchDataFile } from './trace-replay.js';

export const ROUTING_SCENARIOS: readonly Scenario[] = [llmdSharedPrefix, mooncakeConversation, chatMultiturn, pdLongPrefill, traceReplay];

/** The routing scenario of that name; throws naming the known ones. */
export function routingScenario(name: string): Scenario {
  const s = ROUTING_SCENARIOS.find((x) => x.name === name);
  if (s === undefined) throw new Error(`unknown routing scenario '${name}' (known: ${ROUTING_SCENARIOS.map((x) => x.name).join(', ')})`);
  return s;
}
export { parseTrace, parseTraceLine, readTraceFile, TraceFormatError } from './mooncake-trace.js';
export type { TraceRecord } from './mooncake-trace.js';
export { defineScenario } from './scenario.js';
export type { BuildOptions, BuiltScenario, CapacitySpec, FlagValues, Layout, Scenario } from './scenario.js';
