// Runs a scenario: one virtual-time run per policy and layout (and, with --capacity, a capacity search
// for each), and gathers what results.json, results.md and report.html show.
import { runArm, withSlo, type ArmFigures, type ArmPlotData, type ArmReporter, type ScenarioRunOptions } from './arm.js';
import { runArmsInWorkers } from './harness/arm-pool.js';
import { Progress } from './harness/progress.js';

export interface ScenarioResults {
  readonly scenario: string;
  readonly description: string;
  readonly command: string;
  readonly seed: number;
  readonly mode: 'virtual' | 'live';
  readonly slo: { readonly ttft_ms: number; readonly itl_ms: number | null };
  readonly capacity_unit: string;
  readonly harness: {
    readonly load_report_interval_ms: number;
    readonly kv_event_delay_ms: number;
    readonly scheduling_latency_ms: number;
  };
  /**
   * The hit rate one unlimited cache would reach over the measured requests in arrival order: no
   * policy's request_hit_rate can exceed it. The largest over the arms (closed-loop workloads send
   * follow-ups at times that depend on the policy; open-loop ones give every arm the same figure).
   */
  readonly reuse_bound: number | null;
  readonly policies: ArmFigures[];
  readonly plots: ArmPlotData[];
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
  const outcomes =
    jobs === 1
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
