// Flags every routing scenario takes (its own come from the scenario).
import { availableParallelism } from 'node:os';
import { FlagKind, type FlagSpec } from './flags.js';

export const COMMON_FLAGS: readonly FlagSpec[] = [
  { name: 'policies', kind: FlagKind.String, doc: 'comma-separated policies (atc, random, round-robin, least-loaded, llmd, llmd-precise, llmd-approx, dynamo, sglang, ideal, and names given with --configs); default: the scenario\'s and those of --configs' },
  { name: 'configs', kind: FlagKind.String, doc: 'your own scheduler configs as policies: name=FILE[,name=FILE] (the scheduler\'s --config YAML)' },
  { name: 'out', kind: FlagKind.String, doc: 'output directory (default bench-out/<scenario>)' },
  { name: 'seed', kind: FlagKind.Number, default: 1, doc: 'seeds arrivals, prompts, engines and tie-breaks' },
  { name: 'capacity', kind: FlagKind.Boolean, doc: 'also search each policy\'s SLO capacity (bisection on the load)' },
  { name: 'capacity-runs', kind: FlagKind.Number, default: 16, doc: 'capacity probes per policy at most (the search stops at 2% resolution)' },
  { name: 'live', kind: FlagKind.Boolean, doc: 'run the scaled-down variant through the real cluster (and the same in virtual time, for comparison)' },
  { name: 'slo-ttft-ms', kind: FlagKind.Number, doc: 'TTFT bound of the SLO, ms (default: the scenario\'s, 2000)' },
  { name: 'slo-itl-ms', kind: FlagKind.Number, doc: 'mean ITL bound of the SLO, ms (default: the scenario\'s)' },
  { name: 'load-report-ms', kind: FlagKind.Number, default: 250, doc: 'ms between our workers\' load reports (atc and --configs; baselines refresh at their upstream interval: llm-d 50 ms, smg 10 s)' },
  { name: 'kv-event-delay-ms', kind: FlagKind.Number, default: 2, doc: 'ms from an engine step to its KV events in the prefix index' },
  { name: 'scheduling-latency-ms', kind: FlagKind.Number, default: 2, doc: 'ms from arrival to the engine queue' },
  { name: 'quiet', kind: FlagKind.Boolean, doc: 'no progress output' },
  { name: 'jobs', kind: FlagKind.Number, default: availableParallelism(), doc: 'policies run at once, one worker thread each (default: the CPU count); results do not depend on it' },
];
