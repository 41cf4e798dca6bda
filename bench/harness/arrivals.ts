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
