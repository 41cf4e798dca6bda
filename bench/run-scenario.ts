// Runs a scenario: one virtual-time run per policy and layout (and, with --capacity, a capacity search
// for each), and gathers what results.json, results.md and report.html show.
import { searchCapacity, type CapacityResult } from './harness/capacity.js';
import { Progress } from './harness/progress.js';
import { summarizeRun, type PolicyFigures } from './harness/summary.js';
import { runVirtual, type VirtualRunOptions } from './harness/virtual-run.js';
import type { WorkerSeries } from './harness/run-record.js';
import type { Slo } from './harness/workload.js';
import type { BuiltScenario, FlagValues, Scenario } from './scenarios/scenario.js';
import { runArmsInWorkers } from './harness/arm-pool.js';
import { runProbe, sloOf, type ProbeSpec } from './harness/capacity-probe.js';
import { IDEAL_POLICY, metricsRefreshMs } from './harness/policies.js';

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

export interface ScenarioResults {
  readonly scenario: string;
  readonly description: string;
  readonly command: string;
  readonly seed: number;
  readonly mode: 'virtual' | 'live';
  readonly slo: { readonly ttft_ms: number; readonly itl_ms: number | null };
  readonly capacity_unit: string;
  readonly harness: { readonly load_report_interval_ms: number; readonly kv_event_delay_ms: number; readonly scheduling_latency_ms: number };
  /**
   * The hit rate one unlimited cache would reach over the measured requests in arrival order: no
   * policy's request_hit_rate can exceed it. The largest over the arms (closed-loop workloads send
   * follow-ups at times that depend on the policy; open-loop ones give every arm the same figure).
   */
  readonly reuse_bound: number | null;
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

function withSlo(built: BuiltScenario, o: Pick<ScenarioRunOptions, 'sloTtftMs' | 'sloItlMs'>): Slo {
  return sloOf(built.slo, o);
}

function sloOverrides(o: Pick<ScenarioRunOptions, 'sloTtftMs' | 'sloItlMs'>): { sloTtftMs?: number; sloItlMs?: number } {
  return { ...(o.sloTtftMs !== undefined ? { sloTtftMs: o.sloTtftMs } : {}), ...(o.sloItlMs !== undefined ? { sloItlMs: o.sloItlMs } : {}) };
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
  const run = runVirtual(built.workload, policy, layout.fleet, { ...o.harness, seed, ...(config !== undefined ? { config } : {}), onProgress: (f) => report.progress(f, name) });
  if (run.kvResyncs > 0) report.warn(`warning: ${name}: prefix index resynced ${run.kvResyncs} times (${run.firstResyncReason})`);
  const f = summarizeRun(run, slo, built.stages);
  report.unitDone(`${name}: p90 TTFT ${(f.ttft_ms.p90 / 1000).toFixed(3)} s, ${f.output_tokens_per_s} output tok/s, request hit rate ${(f.request_hit_rate * 100).toFixed(1)}% (${f.sim.wall_s} s)`);
  let capacity: CapacityResult | undefined;
  if (o.capacity) {
    let probes = 0;
    const spec: ProbeSpec = { scenario, flags, seed, policy, layout, ...(o.harness ? { harness: o.harness } : {}), ...(config !== undefined ? { config } : {}), ...sloOverrides(o) };
    capacity = searchCapacity(
      (load) => {
        probes++;
        return runProbe({ ...spec, onProgress: (x) => report.progress(x, `${name} capacity probe ${probes} at ${load} ${scenario.capacity.unit}`) }, load);
      },
      { unit: scenario.capacity.unit, sloTtftMs: slo.ttftMs, initial: scenario.capacity.initial, min: scenario.capacity.min, max: scenario.capacity.max, ...(o.maxCapacityRuns !== undefined ? { maxRuns: o.maxCapacityRuns } : {}) },
    );
    report.unitDone(`${name}: SLO capacity ${capacity.capacity} ${capacity.unit} (${capacity.probes.length} probes)`);
  }
  const ttfts = run.requests.filter((r) => !r.warmup && !r.failed).map((r) => r.ttftMs).sort((a, b) => a - b);
  return {
    figures: { name, layout: layout.name, metrics_refresh_ms: policy === IDEAL_POLICY ? null : metricsRefreshMs(config !== undefined ? '' : policy, o.harness?.workerLoadReportMs ?? 250), ...f, ...(capacity ? { capacity } : {}) },
    plot: { name, ttftCdf: cdfPoints(ttfts), workerSeries: run.workerSeries },
  };
}

export async function runScenario(o: ScenarioRunOptions): Promise<ScenarioResults> {
  const { scenario, flags, seed } = o;
  const layouts = scenario.layouts(flags, false);
  const built = scenario.build({ seed, flags });
  const slo = withSlo(built, o);
  const arms = layouts.flatMap((_, layoutIndex) => o.policies.map((policy) => ({ policy, layoutIndex })));
  const progress = new Progress(arms.length * (o.capacity ? 2 : 1), process.stderr, o.progress ?? true);
  const jobs = Math.max(1, Math.min(o.jobs ?? 1, arms.length));
  const reporter = (key: string): ArmReporter => ({
    progress: (fraction, label) => progress.update(key, fraction, label),
    unitDone: (summary) => progress.unitDone(summary, key),
    warn: (message) => process.stderr.write(message + '\n'),
  });
  const { jobs: _jobs, policies: _policies, command: _command, progress: _progress, ...armOptions } = o;
  const outcomes = jobs === 1
    ? arms.map((a, i) => runArm(armOptions, a.policy, a.layoutIndex, reporter(String(i))))
    : await runArmsInWorkers(armOptions, arms, jobs, reporter);
  return {
    scenario: scenario.name,
    description: built.description,
    command: o.command,
    seed,
    mode: 'virtual',
    slo: { ttft_ms: slo.ttftMs, itl_ms: slo.itlMs ?? null },
    capacity_unit: scenario.capacity.unit,
    harness: {
      load_report_interval_ms: o.harness?.workerLoadReportMs ?? 250,
      kv_event_delay_ms: o.harness?.kvEventDelayMs ?? 2,
      scheduling_latency_ms: o.harness?.schedulingLatencyMs ?? 2,
    },
    reuse_bound: outcomes.reduce((m, x) => Math.max(m, x.figures.reuse_bound), 0),
    policies: outcomes.map((x) => x.figures),
    plots: outcomes.map((x) => x.plot),
  };
}
