// Flags every routing scenario takes (its own come from the scenario).
import { availableParallelism } from 'node:os';
import { natsServerOption, option } from '../../../shared/config/index.js';

const positive = { min: 0, exclusiveMin: true } as const;

export const COMMON_FLAGS = {
  policies: option.list({
    flag: 'policies',
    defaultDoc: "the scenario's and those of --configs",
    doc: 'policies (atc, random, round-robin, least-loaded, llmd, llmd-precise, llmd-approx, dynamo, sglang, ideal, and names given with --configs)',
  }),
  configs: option.list({
    flag: 'configs',
    doc: "your own scheduler configs as policies: name=FILE[,name=FILE] (the scheduler's --config YAML)",
  }),
  out: option.string({ flag: 'out', defaultDoc: 'bench-out/<scenario>', doc: 'output directory' }),
  seed: option.integer({ flag: 'seed', default: 1, doc: 'seeds arrivals, prompts, engines and tie-breaks' }),
  capacity: option.boolean({ flag: 'capacity', doc: "also search each policy's SLO capacity (bisection on the load)" }),
  capacityRuns: option.integer({
    flag: 'capacity-runs',
    min: 1,
    default: 16,
    doc: 'capacity probes per policy at most (the search stops at 2% resolution)',
  }),
  live: option.boolean({
    flag: 'live',
    doc: 'run the scaled-down variant through the real cluster (and the same in virtual time, for comparison)',
  }),
  natsServer: { ...natsServerOption, doc: `with --live: ${natsServerOption.doc}` },
  sloTtftMs: option.number({ flag: 'slo-ttft-ms', ...positive, defaultDoc: "the scenario's, 2000", doc: 'TTFT bound of the SLO, ms' }),
  sloItlMs: option.number({ flag: 'slo-itl-ms', ...positive, defaultDoc: "the scenario's", doc: 'mean ITL bound of the SLO, ms' }),
  loadReportMs: option.number({
    flag: 'load-report-ms',
    ...positive,
    default: 250,
    doc: "ms between our workers' load reports (atc and --configs; baselines refresh at their upstream interval: llm-d 50 ms, smg 10 s)",
  }),
  kvEventDelayMs: option.number({
    flag: 'kv-event-delay-ms',
    min: 0,
    default: 2,
    doc: 'ms from an engine step to its KV events in the prefix index',
  }),
  cpuOffloadGb: option.number({
    flag: 'cpu-offload-gb',
    min: 0,
    default: 0,
    doc: "fleet layout: vLLM's native CPU KV offloading on every engine, GB of host memory per replica (vLLM's --kv-offloading-size, total over its TP ranks); 0: off. `ideal` ignores it",
  }),
  schedulingLatencyMs: option.number({ flag: 'scheduling-latency-ms', min: 0, default: 2, doc: 'ms from arrival to the engine queue' }),
  quiet: option.boolean({ flag: 'quiet', doc: 'no progress output' }),
  jobs: option.integer({
    flag: 'jobs',
    min: 1,
    default: availableParallelism(),
    defaultDoc: 'the CPU count',
    doc: 'policies run at once, one worker thread each; results do not depend on it',
  }),
};
