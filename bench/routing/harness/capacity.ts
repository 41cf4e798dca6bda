// SLO capacity: the highest load at which a policy keeps p90 TTFT within the SLO with no failed request.
// Search: from the initial load, step up (or down) by stepFactor until the outcome flips, then bisect the
// bracket until it is within relTolerance (2%); maxRuns bounds the probes in all.

export interface ProbeOutcome {
  readonly p90TtftMs: number;
  readonly failed: number;
  readonly completed: number;
  readonly outputTokensPerS: number;
}

export interface CapacityProbe {
  readonly load: number;
  readonly pass: boolean;
  readonly ttft_p90_ms: number;
  readonly failed: number;
  readonly completed: number;
  readonly output_tokens_per_s: number;
}

export interface CapacityResult {
  /** Highest passing load probed; 0 when even `min` fails. */
  readonly capacity: number;
  readonly unit: string;
  readonly slo_ttft_ms: number;
  /** Lowest failing load probed (the bracket's top); null when `max` passed. */
  readonly first_failing_load: number | null;
  readonly probes: readonly CapacityProbe[];
}

export interface CapacitySearchOptions {
  readonly unit: string;
  readonly sloTtftMs: number;
  readonly initial: number;
  readonly min: number;
  readonly max: number;
  /** default 16 */
  readonly maxRuns?: number;
  /** default 0.02: stop when (hi − lo) / lo is at most this. */
  readonly relTolerance?: number;
  /**
   * Factor between the first probes that look for the bracket (default 2; a good initial guess warrants
   * less). Each further step the same way doubles the factor's excess over 1 (1.02, 1.04, 1.08, ...), so a
   * guess that was far off costs a few probes, not dozens.
   */
  readonly stepFactor?: number;
}

export function passes(o: ProbeOutcome, sloTtftMs: number): boolean {
  return o.failed === 0 && o.completed > 0 && o.p90TtftMs <= sloTtftMs;
}

export function searchCapacity(probe: (load: number) => ProbeOutcome, opts: CapacitySearchOptions): CapacityResult {
  const maxRuns = opts.maxRuns ?? 16;
  const tol = opts.relTolerance ?? 0.02;
  const step = opts.stepFactor ?? 2;
  if (!(step > 1)) throw new RangeError(`stepFactor must be > 1, got ${step}`);
  const probes: CapacityProbe[] = [];
  const run = (load: number): boolean => {
    const o = probe(load);
    const pass = passes(o, opts.sloTtftMs);
    probes.push({
      load,
      pass,
      ttft_p90_ms: o.p90TtftMs,
      failed: o.failed,
      completed: o.completed,
      output_tokens_per_s: o.outputTokensPerS,
    });
    return pass;
  };
  let lo: number | null = null; // highest pass
  let hi: number | null = null; // lowest fail
  let load = Math.min(opts.max, Math.max(opts.min, opts.initial));
  let factor = step;
  while (probes.length < maxRuns) {
    if (run(load)) lo = load;
    else hi = load;
    if (lo !== null && hi !== null) break;
    if (hi === null) {
      if (load >= opts.max) break;
      load = Math.min(opts.max, Number((load * factor).toPrecision(4)));
    } else {
      if (load <= opts.min) break;
      load = Math.max(opts.min, Number((load / factor).toPrecision(4)));
    }
    factor = 1 + 2 * (factor - 1);
  }
  while (probes.length < maxRuns && lo !== null && hi !== null && (hi - lo) / lo > tol) {
    const mid = Number(((lo + hi) / 2).toPrecision(4));
    if (mid <= lo || mid >= hi) break;
    if (run(mid)) lo = mid;
    else hi = mid;
  }
  return { capacity: lo ?? 0, unit: opts.unit, slo_ttft_ms: opts.sloTtftMs, first_failing_load: hi, probes };
}
