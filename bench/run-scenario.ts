// Runs a scenario: one virtual-time run per policy and layout (and, with --capacity, a capacity search
// for each), and gathers what results.json, results.md and report.html show.
import type { Flags } from './harness/flags.js';
import { searchCapacity, type CapacityResult } from './harness/capacity.js';
import { Progress } from './harness/progress.js';
import { summarizeRun, type PolicyFigures } from './harness/summary.js';
import { runVirtual, type VirtualRunOptions } from './harness/virtual-run.js';
import type { WorkerSeries } from './harness/run-record.js';
import type { Slo } from './harness/workload.js';
import type { BuiltScenario, Scenario } from './scenarios/scenario.js';

export interface ScenarioRunOptions {
  readonly scenario: Scenario;
  readonly flags: Flags;
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
  /** The command line, recorded in results.json. */
  readonly command: string;
}

export interface ArmFigures extends PolicyFigures {
  /** "policy" or "policy @ layout" when the scenario compares layouts. */
  readonly name: string;
  readonly layout: string;
  readonly capacity?: CapacityResult;
}

export interface ArmPlotData {
  readonly name: string;
  /** TTFT of measured completed requests, ms, ascending, thinned to ≤ 500 points. */
  readonly ttftCdf: Array<[number, number]>;
  readonly workerSeries: WorkerSeries;
}

export interface ScenarioResults {
  readonly scenario: string;
  readonly description: string;
  readonly command: string;
  readonly seed: number;
  readonly mode: 'virtual' | 'live';
  readonly slo: { readonly ttft_ms: number; readonly itl_ms: number | null };
  readonly capacity_unit: string;
  readonly harness: { readonly load_report_interval_ms: number; readonly kv_event_delay_ms: number; readonly scheduling_latency_ms: number };
  readonly policies: ArmFigures[];
  readonly plots: ArmPlotData[];
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

function withSlo(built: BuiltScenario, o: ScenarioRunOptions): Slo {
  const itl = o.sloItlMs ?? built.slo.itlMs;
  return { ttftMs: o.sloTtftMs ?? built.slo.ttftMs, ...(itl !== undefined ? { itlMs: itl } : {}) };
}

export function runScenario(o: ScenarioRunOptions): ScenarioResults {
  const { scenario, flags, seed } = o;
  const layouts = scenario.layouts(flags, false);
  const built = scenario.build({ seed, flags });
  const slo = withSlo(built, o);
  const arms = layouts.flatMap((layout) => o.policies.map((policy) => ({ policy, layout })));
  const progress = new Progress(arms.length * (o.capacity ? 2 : 1), process.stderr, o.progress ?? true);
  const figures: ArmFigures[] = [];
  const plots: ArmPlotData[] = [];
  for (const { policy, layout } of arms) {
    const name = layouts.length > 1 ? `${policy} @ ${layout.name}` : policy;
    const run = runVirtual(built.workload, policy, layout.fleet, { ...o.harness, seed, onProgress: (f) => progress.update(name, f) });
    if (run.kvResyncs > 0) process.stderr.write(`warning: ${name}: prefix index resynced ${run.kvResyncs} times (${run.firstResyncReason})\n`);
    const f = summarizeRun(run, slo, built.stages);
    progress.unitDone(`${name}: p90 TTFT ${(f.ttft_ms.p90 / 1000).toFixed(3)} s, ${f.output_tokens_per_s} output tok/s, hit rate ${(f.prefix_cache_hit_rate * 100).toFixed(1)}% (${f.sim.wall_s} s)`);
    let capacity: CapacityResult | undefined;
    if (o.capacity) {
      let probes = 0;
      capacity = searchCapacity(
        (load) => {
          probes++;
          const b = scenario.build({ seed, flags, load });
          const r = runVirtual(b.workload, policy, layout.fleet, { ...o.harness, seed, onProgress: (x) => progress.update(`${name} capacity probe ${probes} at ${load} ${scenario.capacity.unit}`, x) });
          const s = summarizeRun(r, withSlo(b, o), b.stages);
          return { p90TtftMs: s.ttft_ms.p90 ?? Infinity, failed: s.failed, completed: s.completed, outputTokensPerS: s.output_tokens_per_s };
        },
        { unit: scenario.capacity.unit, sloTtftMs: slo.ttftMs, initial: scenario.capacity.initial, min: scenario.capacity.min, max: scenario.capacity.max, ...(o.maxCapacityRuns !== undefined ? { maxRuns: o.maxCapacityRuns } : {}) },
      );
      progress.unitDone(`${name}: SLO capacity ${capacity.capacity} ${capacity.unit} (${capacity.probes.length} probes)`);
    }
    figures.push({ name, layout: layout.name, ...f, ...(capacity ? { capacity } : {}) });
    const ttfts = run.requests.filter((r) => !r.warmup && !r.failed).map((r) => r.ttftMs).sort((a, b) => a - b);
    plots.push({ name, ttftCdf: cdfPoints(ttfts), workerSeries: run.workerSeries });
  }
  return {
    scenario: scenario.name,
    description: built.description,
    command: o.command,
    seed,
    mode: 'virtual',
    slo: { ttft_ms: slo.ttftMs, itl_ms: slo.itlMs ?? null },
    capacity_unit: scenario.capacity.unit,
    harness: {
      load_report_interval_ms: o.harness?.loadReportIntervalMs ?? 250,
      kv_event_delay_ms: o.harness?.kvEventDelayMs ?? 2,
      scheduling_latency_ms: o.harness?.schedulingLatencyMs ?? 2,
    },
    policies: figures,
    plots,
  };
}
