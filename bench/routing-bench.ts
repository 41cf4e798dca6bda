// `npm run bench -- <routing scenario> [flags]`: virtual-time runs of every policy (or --live through
// the real cluster), written to --out (default bench-out/<scenario>).
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Flags, FlagKind, flagUsage, type FlagSpec } from './harness/flags.js';
import { parsePolicies, readCustomConfigs } from './harness/policies.js';
import { runLive } from './live/live-run.js';
import { writeResults } from './report/write-results.js';
import { runScenario, type ScenarioResults } from './run-scenario.js';
import { ROUTING_SCENARIOS, type Scenario } from './scenarios/index.js';
import { runVirtual } from './harness/virtual-run.js';
import { summarizeRun } from './harness/summary.js';
import { ATC_POLICY } from './harness/policies.js';

export { ROUTING_SCENARIOS };

export const COMMON_FLAGS: readonly FlagSpec[] = [
  { name: 'policies', kind: FlagKind.String, doc: 'comma-separated policies (atc, random, round-robin, least-loaded, llmd-approx, llmd-precise, dynamo, sglang, and names given with --configs); default: the scenario\'s and those of --configs' },
  { name: 'configs', kind: FlagKind.String, doc: 'your own scheduler configs as policies: name=FILE[,name=FILE] (the scheduler\'s --config YAML)' },
  { name: 'out', kind: FlagKind.String, doc: 'output directory (default bench-out/<scenario>)' },
  { name: 'seed', kind: FlagKind.Number, default: 1, doc: 'seeds arrivals, prompts, engines and tie-breaks' },
  { name: 'capacity', kind: FlagKind.Boolean, doc: 'also search each policy\'s SLO capacity (bisection on the load)' },
  { name: 'capacity-runs', kind: FlagKind.Number, default: 7, doc: 'capacity probes per policy at most' },
  { name: 'live', kind: FlagKind.Boolean, doc: 'run the scaled-down variant through the real cluster (and the same in virtual time, for comparison)' },
  { name: 'slo-ttft-ms', kind: FlagKind.Number, doc: 'TTFT bound of the SLO, ms (default: the scenario\'s, 2000)' },
  { name: 'slo-itl-ms', kind: FlagKind.Number, doc: 'mean ITL bound of the SLO, ms (default: the scenario\'s)' },
  { name: 'load-report-ms', kind: FlagKind.Number, default: 250, doc: 'ms between a worker\'s load reports' },
  { name: 'kv-event-delay-ms', kind: FlagKind.Number, default: 2, doc: 'ms from an engine step to its KV events in the prefix index' },
  { name: 'scheduling-latency-ms', kind: FlagKind.Number, default: 2, doc: 'ms from arrival to the engine queue' },
  { name: 'quiet', kind: FlagKind.Boolean, doc: 'no progress output' },
  { name: 'jobs', kind: FlagKind.Number, default: availableParallelism(), doc: 'policies run at once, one worker thread each (default: the CPU count); results do not depend on it' },
];

export function scenarioUsage(s: Scenario): string {
  return `  ${s.name}: ${s.doc}\n${flagUsage(s.flags)}`;
}

export async function runRoutingBench(scenario: Scenario, args: readonly string[], command: string): Promise<ScenarioResults> {
  const flags = new Flags(args, [...COMMON_FLAGS, ...scenario.flags]);
  const seed = flags.number('seed');
  const out = flags.optionalString('out') ?? join('bench-out', scenario.name);
  let results: ScenarioResults;
  if (flags.bool('live')) {
    // The live cluster's scheduler serves with its own config (ATC_SCHEDULER_POLICY / --config there).
    if (flags.has('configs') || flags.has('policies')) throw new Error('--live runs the cluster\'s own scheduler config: --policies and --configs apply to virtual-time runs');
    results = await runLive(scenario, flags, seed, command);
    // The same scaled-down workload in virtual time, beside it.
    const built = scenario.build({ seed, flags, live: true });
    const layout = scenario.layouts(flags, true)[0]!;
    const run = runVirtual(built.workload, ATC_POLICY, layout.fleet, { seed });
    const f = summarizeRun(run, built.slo, built.stages);
    results.policies.push({ name: `${ATC_POLICY} (virtual)`, layout: layout.name, ...f });
    results.plots.push({ name: `${ATC_POLICY} (virtual)`, ttftCdf: [], workerSeries: run.workerSeries });
  } else {
    const configs = flags.has('configs') ? readCustomConfigs(flags.string('configs')) : {};
    const policies = flags.has('policies') ? parsePolicies(flags.string('policies'), configs) : [...scenario.defaultPolicies, ...Object.keys(configs)];
    results = await runScenario({
      scenario, flags, policies, seed, command, configs,
      capacity: flags.bool('capacity'),
      maxCapacityRuns: flags.count('capacity-runs'),
      progress: !flags.bool('quiet'),
      jobs: flags.count('jobs'),
      ...(flags.has('slo-ttft-ms') ? { sloTtftMs: flags.positive('slo-ttft-ms') } : {}),
      ...(flags.has('slo-itl-ms') ? { sloItlMs: flags.positive('slo-itl-ms') } : {}),
      harness: {
        loadReportIntervalMs: flags.positive('load-report-ms'),
        kvEventDelayMs: flags.number('kv-event-delay-ms'),
        schedulingLatencyMs: flags.number('scheduling-latency-ms'),
      },
    });
  }
  const files = writeResults(out, results);
  process.stdout.write(`wrote ${files.join(', ')}\n`);
  return results;
}
