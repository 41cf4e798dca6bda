// One capacity probe: a scenario built at a load, run under a policy, judged against the SLO. Shared by
// `--capacity` and `evaluate`. A probe stops as soon as it can no longer pass (enough requests are known
// to miss the TTFT bound for the p90 to exceed it), which halves the cost of failing probes.
import type { ProbeOutcome } from './capacity.js';
import { percentile } from '../../stats.js';
import { summarizeRun } from './summary.js';
import { runVirtual, type VirtualRunOptions } from './virtual-run.js';
import type { Slo } from './workload.js';
import type { FlagValues, Layout, Scenario } from '../scenarios/scenario.js';

export interface ProbeSpec {
  readonly scenario: Scenario;
  readonly flags: FlagValues;
  readonly seed: number;
  readonly policy: string;
  readonly layout: Layout;
  readonly harness?: VirtualRunOptions;
  /** Scheduler config when the policy is not built in. */
  readonly config?: string;
  /** Overrides of the scenario's SLO bounds. */
  readonly sloTtftMs?: number;
  readonly sloItlMs?: number;
  readonly onProgress?: (fraction: number) => void;
}

/** The fleet-layout flags every run of a scenario shares (--cpu-offload-gb), as runVirtual options. */
export function fleetEngineHarness(flags: FlagValues): VirtualRunOptions {
  const gb = (flags as { readonly cpuOffloadGb?: number }).cpuOffloadGb ?? 0;
  return gb > 0 ? { cpuOffload: { bytes: gb * 1e9 } } : {};
}

export function sloOf(builtSlo: Slo, o: { readonly sloTtftMs?: number; readonly sloItlMs?: number }): Slo {
  const itl = o.sloItlMs ?? builtSlo.itlMs;
  return { ttftMs: o.sloTtftMs ?? builtSlo.ttftMs, ...(itl !== undefined ? { itlMs: itl } : {}) };
}

/**
 * Misses after which p90 TTFT must exceed the bound: with N measured requests and p90 interpolated
 * between closest ranks (stats.ts), ⌈0.1 N⌉ + 2 requests above the bound put the lower rank above it.
 */
export function missesThatFail(measured: number): number {
  return Math.ceil(0.1 * measured) + 1;
}

export function runProbe(spec: ProbeSpec, load: number): ProbeOutcome {
  const b = spec.scenario.build({ seed: spec.seed, flags: spec.flags, load });
  const slo = sloOf(b.slo, spec);
  const measured =
    (b.workload.expectedRequests ?? b.workload.requests.length) - b.workload.requests.filter((r) => r.warmup === true).length;
  const r = runVirtual(b.workload, spec.policy, spec.layout.fleet, {
    ...spec.harness,
    ...fleetEngineHarness(spec.flags),
    seed: spec.seed,
    ...(spec.config !== undefined ? { config: spec.config } : {}),
    ...(spec.onProgress !== undefined ? { onProgress: spec.onProgress } : {}),
    // An ITL bound is judged on whole runs only; a TTFT-only SLO can stop a probe once it is decided.
    ...(slo.itlMs === undefined ? { ttftProbe: { ttftMs: slo.ttftMs, misses: missesThatFail(measured) } } : {}),
  });
  if (r.stopReason === 'slo-missed')
    return { p90TtftMs: Infinity, failed: 0, completed: r.requests.filter((x) => !x.failed).length, outputTokensPerS: NaN };
  if (r.stopReason === 'first-tokens') {
    const ttfts = [...r.measuredTtftsMs!].sort((a, b) => a - b);
    return {
      p90TtftMs: Number(percentile(ttfts, 90).toFixed(3)),
      failed: r.failedBeforeFirstToken ?? 0,
      completed: ttfts.length,
      outputTokensPerS: NaN,
    };
  }
  const s = summarizeRun(r, slo, b.stages);
  return { p90TtftMs: s.ttft_ms.p90 ?? Infinity, failed: s.failed, completed: s.completed, outputTokensPerS: s.output_tokens_per_s };
}
