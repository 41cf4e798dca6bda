// Summary statistics for benchmark samples. Percentiles by linear interpolation between closest ranks
// (the same definition as numpy.percentile's default), so figures compare with other tools' reports.

export interface Summary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
}

/** p in [0,100] of samples sorted ascending; NaN for none. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  if (p <= 0) return sorted[0]!;
  if (p >= 100) return sorted[sorted.length - 1]!;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** Samples in any order (a typed array is sorted as a copy without boxing each value). */
export function summarize(samples: readonly number[] | Float32Array | Float64Array): Summary {
  const sorted: ArrayLike<number> = Array.isArray(samples)
    ? [...(samples as readonly number[])].sort((a, b) => a - b)
    : (samples as Float32Array | Float64Array).slice().sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  const n = sorted.length;
  return {
    count: n,
    mean: n ? sum / n : NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    min: n ? sorted[0]! : NaN,
    max: n ? sorted[n - 1]! : NaN,
  };
}
