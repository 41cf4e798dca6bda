// Arrival processes for synthetic workloads.

/** Poisson arrivals at ratePerS in [startMs, endMs): exponential gaps, ms. */
export function poissonArrivals(random: () => number, ratePerS: number, startMs: number, endMs: number): number[] {
  const out: number[] = [];
  if (!(ratePerS > 0)) return out;
  let t = startMs;
  for (;;) {
    t += (-Math.log(1 - random()) / ratePerS) * 1000;
    if (t >= endMs) return out;
    out.push(t);
  }
}

/** The first `count` Poisson arrivals at ratePerS from 0 (exponential gaps), ms: a stage that sends a fixed number of requests, as inference-perf's do. */
export function poissonArrivalTimes(random: () => number, ratePerS: number, count: number): number[] {
  const out = new Array<number>(count);
  let t = 0;
  for (let i = 0; i < count; i++) {
    t += (-Math.log(1 - random()) / ratePerS) * 1000;
    out[i] = t;
  }
  return out;
}

/** A ladder of constant-rate stages, back to back from startMs; a warm-up stage first when warmupS > 0. */
export function ladderStages(
  rates: readonly number[],
  stageS: number,
  warmup?: { readonly rate: number; readonly seconds: number },
): Array<{ label: string; offeredLoad: number; startMs: number; endMs: number; warmup: boolean }> {
  const out = [];
  let t = 0;
  if (warmup && warmup.seconds > 0) {
    out.push({ label: `warm-up ${warmup.rate}/s`, offeredLoad: warmup.rate, startMs: 0, endMs: warmup.seconds * 1000, warmup: true });
    t = warmup.seconds * 1000;
  }
  for (const rate of rates) {
    out.push({ label: `${rate}/s`, offeredLoad: rate, startMs: t, endMs: t + stageS * 1000, warmup: false });
    t += stageS * 1000;
  }
  return out;
}

/**
 * A trace's timestamp resolution, ms: the most common gap between consecutive distinct timestamps (the
 * Mooncake conversation trace: 3,000 ms, its 12,031 requests on 1,180 distinct timestamps). 0 when the
 * trace has fewer than two distinct timestamps. Ties go to the smaller gap.
 */
export function timestampResolutionMs(sortedTimestampsMs: readonly number[]): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < sortedTimestampsMs.length; i++) {
    const gap = sortedTimestampsMs[i]! - sortedTimestampsMs[i - 1]!;
    if (gap > 0) counts.set(gap, (counts.get(gap) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = 0;
  for (const [gap, n] of counts) if (n > bestCount || (n === bestCount && gap < best)) [best, bestCount] = [gap, n];
  return best;
}

/**
 * Arrival times for a trace whose timestamps are quantized: the requests that share a timestamp t are
 * spread uniformly at random over [t, t + resolutionMs), capped at the next distinct timestamp so that
 * the order of the requests never changes (their offsets are drawn, sorted, and given out in trace
 * order). A trace recorded at a coarse resolution does not say that those requests came at one instant;
 * replaying them as one burst decides them all against one load snapshot, which no live router sees.
 * Requests alone on their timestamp keep it. Input sorted ascending; output the same length and order.
 */
export function spreadWithinResolution(sortedTimestampsMs: readonly number[], resolutionMs: number, random: () => number): number[] {
  const n = sortedTimestampsMs.length;
  const out = sortedTimestampsMs.slice();
  if (!(resolutionMs > 0)) return out;
  for (let i = 0; i < n;) {
    const t = sortedTimestampsMs[i]!;
    let j = i + 1;
    while (j < n && sortedTimestampsMs[j] === t) j++;
    if (j - i > 1) {
      const width = Math.min(resolutionMs, j < n ? sortedTimestampsMs[j]! - t : resolutionMs);
      const offsets = Array.from({ length: j - i }, () => random() * width).sort((a, b) => a - b);
      for (let k = i; k < j; k++) out[k] = t + offsets[k - i]!;
    }
    i = j;
  }
  return out;
}
