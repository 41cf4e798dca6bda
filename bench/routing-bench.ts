// `npm run bench -- <routing scenario> [flags]`: virtual-time runs of every policy (or --live through
// the real cluster), written to --out (default bench-out/<scenario>).
import { join } from 'node:path';
import { Flags, flagUsage } from './harness/flags.js';
import { COMMON_FLAGS } from './harness/common-flags.js';
import { parsePolicies, readCustomConfigs } from './harness/policies.js';
import { runLive } from './live/live-run.js';
import { writeResults } from './report/write-results.js';
import { runScenario, type ScenarioResults } from './run-scenario.js';
import { ROUTING_SCENARIOS, type Scenario } from './scenarios/index.js';
import { runVirtual } from './harness/virtual-run.js';
import { summarizeRun } from './harness/summary.js';
import { ATC_POLICY } from './harness/policies.js';

export { COMMON_FLAGS, ROUTING_SCENARIOS };


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
    results.policies.push({ name: `${ATC_POLICY} (virtual)`, layout: layout.name, metrics_refresh_ms: flags.positive('load-report-ms'), ...f });
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
        workerLoadReportMs: flags.positive('load-report-ms'),
        kvEventDelayMs: flags.number('kv-event-delay-ms'),
        schedulingLatencyMs: flags.number('scheduling-latency-ms'),
      },
    });
  }
  const files = writeResults(out, results);
  process.stdout.write(`wrote ${files.join(', ')}\n`);
  return results;
}
