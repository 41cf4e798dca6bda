// `npm run bench -- <routing scenario> [flags]`: virtual-time runs of every policy (or --live through
// the real cluster), written to --out (default bench-out/<scenario>).
import { join } from 'node:path';
import { optionLines } from '../../shared/config/index.js';
import type { CommonFlags } from './harness/flags.js';
import { COMMON_FLAGS } from './harness/common-flags.js';
import { parsePolicies, readCustomConfigs } from './harness/policies.js';
import { runLive } from './live/live-run.js';
import { writeResults } from './report/write-results.js';
import { runScenario, type ScenarioResults } from './run-scenario.js';
import { ROUTING_SCENARIOS, type FlagValues, type Scenario } from './scenarios/index.js';
import { runVirtual } from './harness/virtual-run.js';
import { summarizeRun } from './harness/summary.js';
import { ATC_POLICY } from './harness/policies.js';

export { COMMON_FLAGS, ROUTING_SCENARIOS };

export function scenarioUsage(s: Scenario): string {
  return `  ${s.name}: ${s.doc}\n${optionLines(s.flags, '    ')}`;
}

/** flags: parsed against the common flags and the scenario's own (parseRoutingFlags). */
export async function runRoutingBench(scenario: Scenario, flags: CommonFlags & FlagValues, command: string): Promise<ScenarioResults> {
  const seed = flags.seed;
  const out = flags.out ?? join('bench-out', scenario.name);
  let results: ScenarioResults;
  if (flags.live) {
    // The live cluster's scheduler serves with its own config (ATC_SCHEDULER_POLICY / --config there).
    if (flags.configs !== undefined || flags.policies !== undefined)
      throw new Error("--live runs the cluster's own scheduler config: --policies and --configs apply to virtual-time runs");
    results = await runLive(scenario, flags, seed, command, flags.natsServer);
    // The same scaled-down workload in virtual time, beside it.
    const built = scenario.build({ seed, flags, live: true });
    const layout = scenario.layouts(flags, true)[0]!;
    const run = runVirtual(built.workload, ATC_POLICY, layout.fleet, { seed });
    const f = summarizeRun(run, built.slo, built.stages);
    results.policies.push({ name: `${ATC_POLICY} (virtual)`, layout: layout.name, metrics_refresh_ms: flags.loadReportMs, ...f });
    results.plots.push({ name: `${ATC_POLICY} (virtual)`, ttftCdf: [], workerSeries: run.workerSeries });
  } else {
    const configs = flags.configs !== undefined ? readCustomConfigs(flags.configs) : {};
    const policies =
      flags.policies !== undefined ? parsePolicies(flags.policies, configs) : [...scenario.defaultPolicies, ...Object.keys(configs)];
    results = await runScenario({
      scenario,
      flags,
      policies,
      seed,
      command,
      configs,
      capacity: flags.capacity,
      maxCapacityRuns: flags.capacityRuns,
      progress: !flags.quiet,
      jobs: flags.jobs,
      ...(flags.sloTtftMs !== undefined ? { sloTtftMs: flags.sloTtftMs } : {}),
      ...(flags.sloItlMs !== undefined ? { sloItlMs: flags.sloItlMs } : {}),
      harness: {
        workerLoadReportMs: flags.loadReportMs,
        kvEventDelayMs: flags.kvEventDelayMs,
        schedulingLatencyMs: flags.schedulingLatencyMs,
      },
    });
  }
  const files = writeResults(out, results);
  process.stdout.write(`wrote ${files.join(', ')}\n`);
  return results;
}
