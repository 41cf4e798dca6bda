// One arm of a routing scenario: a policy on a layout, its run and (with capacity) its SLO-capacity search.
// Apart from run-scenario.ts, so that the worker-thread pool (harness/arm-pool.ts) and the scenario
// runner both depend on it, and not on each other.
import { searchCapacity, type CapacityResult } from './harness/capacity.js';
import { runProbe, sloOf, type ProbeSpec } from './harness/capacity-probe.js';
import { IDEAL_POLICY, metricsRefreshMs } from './harness/policies.js';
import type { WorkerSeries } from './harness/run-record.js';
import { summarizeRun, type PolicyFigures } from './harness/summary.js';
import { runVirtual, type VirtualRunOptions } from './harness/virtual-run.js';
import { fleetEngineHarness } from './harness/capacity-probe.js';
import type { Slo } from './harness/workload.js';
import type { BuiltScenario, FlagValues, Scenario } from './scenarios/scenario.js';

export interface ScenarioRunOptions {
  readonly scenario: Scenario;
  /** Parsed flags (the common ones and the scenario's). */
  readonly flags: FlagValues;
  readonly policies: readonly string[];
  readonly seed: number;
  readonly capacity: boolean;
  /** Overrides the scenario's SLO bounds (ms). */
  readonly sloTtftMs?: number;
  readonly sloItlMs?: number;
  readonly harness?: VirtualRunOptions;
  /** Capacity probes per policy at most (default 7). */
  readonly maxCapacityRuns?: number;
  readonly progress?: boolean;
  /** Scheduler configs of policies that are not built in (--configs), YAML by policy name. */
  readonly configs?: Readonly<Record<string, string>>;
  /** Arms (policy × layout) run at once, each on its own worker thread (default 1: in this thread). */
  readonly jobs?: number;
  /** The command line, recorded in results.json. */
  readonly command: string;
}

export interface ArmFigures extends PolicyFigures {
  /** "policy" or "policy @ layout" when the scenario compares layouts. */
  readonly name: string;
  readonly layout: string;
  /** ms between the engine metrics the policy's router sees; null for `ideal`, which reads the engines directly. */
  readonly metrics_refresh_ms: number | null;
  readonly capacity?: CapacityResult;
}

export interface ArmPlotData {
  readonly name: string;
  /** TTFT of measured completed requests, ms, ascending, thinned to ≤ 500 points. */
  readonly ttftCdf: Array<[number, number]>;
  readonly workerSeries: WorkerSeries;
}

export function cdfPoints(sortedAscending: readonly number[], maxPoints = 500): Array<[number, number]> {
  const n = sortedAscending.length;
  const out: Array<[number, number]> = [];
  if (n === 0) return out;
  const step = Math.max(1, Math.floor(n / maxPoints));
  for (let i = 0; i < n; i += step) out.push([sortedAscending[i]!, (i + 1) / n]);
  out.push([sortedAscending[n - 1]!, 1]);
  return out;
}

/** The scenario's SLO with the run's overrides. */
export function withSlo(built: BuiltScenario, o: Pick<ScenarioRunOptions, 'sloTtftMs' | 'sloItlMs'>): Slo {
  return sloOf(built.slo, o);
}

function sloOverrides(o: Pick<ScenarioRunOptions, 'sloTtftMs' | 'sloItlMs'>): { sloTtftMs?: number; sloItlMs?: number } {
  return {
    ...(o.sloTtftMs !== undefined ? { sloTtftMs: o.sloTtftMs } : {}),
    ...(o.sloItlMs !== undefined ? { sloItlMs: o.sloItlMs } : {}),
  };
}

/** What one arm (a policy on a layout) reports while it runs. */
export interface ArmReporter {
  progress(fraction: number, label: string): void;
  unitDone(summary: string): void;
  warn(message: string): void;
}

export interface ArmOutcome {
  readonly figures: ArmFigures;
  readonly plot: ArmPlotData;
}

/** The options an arm needs, without the live objects (a worker thread rebuilds them from these). */
export type ArmOptions = Omit<ScenarioRunOptions, 'policies' | 'command' | 'progress'>;

/** One policy on one layout: its run, and with capacity its SLO-capacity search. */
export function runArm(o: ArmOptions, policy: string, layoutIndex: number, report: ArmReporter): ArmOutcome {
  const { scenario, flags, seed } = o;
  const layouts = scenario.layouts(flags, false);
  const layout = layouts[layoutIndex]!;
  const built = scenario.build({ seed, flags });
  const slo = withSlo(built, o);
  const name = layouts.length > 1 ? `${policy} @ ${layout.name}` : policy;
  const config = o.configs !== undefined && Object.hasOwn(o.configs, policy) ? o.configs[policy] : undefined;
  const run = runVirtual(built.workload, policy, layout.fleet, {
    ...o.harness,
    ...fleetEngineHarness(flags),
    seed,
    ...(config !== undefined ? { config } : {}),
    onProgress: (f) => report.progress(f, name),
  });
  if (run.kvResyncs > 0) report.warn(`warning: ${name}: prefix index resynced ${run.kvResyncs} times (${run.firstResyncReason})`);
  const f = summarizeRun(run, slo, built.stages);
  report.unitDone(
    `${name}: p90 TTFT ${(f.ttft_ms.p90 / 1000).toFixed(3)} s, ${f.output_tokens_per_s} output tok/s, request hit rate ${(f.request_hit_rate * 100).toFixed(1)}% (${f.sim.wall_s} s)`,
  );
  let capacity: CapacityResult | undefined;
  if (o.capacity) {
    let probes = 0;
    const spec: ProbeSpec = {
      scenario,
      flags,
      seed,
      policy,
      layout,
      ...(o.harness ? { harness: o.harness } : {}),
      ...(config !== undefined ? { config } : {}),
      ...sloOverrides(o),
    };
    capacity = searchCapacity(
      (load) => {
        probes++;
        return runProbe(
          { ...spec, onProgress: (x) => report.progress(x, `${name} capacity probe ${probes} at ${load} ${scenario.capacity.unit}`) },
          load,
        );
      },
      {
        unit: scenario.capacity.unit,
        sloTtftMs: slo.ttftMs,
        initial: scenario.capacity.initial,
        min: scenario.capacity.min,
        max: scenario.capacity.max,
        ...(o.maxCapacityRuns !== undefined ? { maxRuns: o.maxCapacityRuns } : {}),
      },
    );
    report.unitDone(`${name}: SLO capacity ${capacity.capacity} ${capacity.unit} (${capacity.probes.length} probes)`);
  }
  const ttfts = run.requests
    .filter((r) => !r.warmup && !r.failed)
    .map((r) => r.ttftMs)
    .sort((a, b) => a - b);
  return {
    figures: {
      name,
      layout: layout.name,
      metrics_refresh_ms:
        policy === IDEAL_POLICY ? null : metricsRefreshMs(config !== undefined ? '' : policy, o.harness?.workerLoadReportMs ?? 250),
      ...f,
      ...(capacity ? { capacity } : {}),
    },
    plot: { name, ttftCdf: cdfPoints(ttfts), workerSeries: run.workerSeries },
  };
}
