// Scores workers by predicted latency from the online LatencyPredictor.
// - With SLO headers (x-slo-ttft-ms, x-slo-tpot-ms): workers predicted to meet every given SLO score in
//   [0.5,1], the least headroom highest (pack tight, keep roomy workers for strict requests, as in llm-d's
//   SLO-aware routing); workers predicted to miss score in [0,0.5), the smallest miss highest.
// - Without SLO headers: lowest predicted TTFT highest (min TTFT / own TTFT).
// - Too little history on a worker: 0.5 for it; on every candidate: 0.5 for all (neutral, load and prefix
//   scorers decide).
// Reads: LatencyPredictor, WorkerSnapshot.load, InflightLedger, cached prefix blocks, request headers.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type Scorer } from '../../framework.js';
import { SchedulingHeader, type WorkerSnapshot } from '../../types.js';

export const PREDICTED_LATENCY_SCORER_TYPE = 'predicted-latency-scorer';
const NEUTRAL = 0.5;

function sloHeader(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export class PredictedLatencyScorer implements Scorer {
  readonly type = PREDICTED_LATENCY_SCORER_TYPE;
  readonly kind = PluginKind.Scorer;
  readonly consumes: readonly StateKey[] = [StateKey.Latency, StateKey.Inflight];
  constructor(readonly name: string) {}

  score(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): Float64Array {
    const out = new Float64Array(workers.length).fill(NEUTRAL);
    const model = cycle.need(StateKey.Latency);
    if (!model) return out;
    const ledger = cycle.need(StateKey.Inflight);
    const ttft: (number | undefined)[] = [];
    const tpot: (number | undefined)[] = [];
    let known = 0;
    for (const w of workers) {
      const t = model.predictTtftMs(w.id, {
        uncachedTokens: cycle.uncachedTokens(w.id),
        waitingRequests: w.load.waitingRequests,
        runningRequests: w.load.runningRequests,
        inflightPromptTokens: ledger.totalsFor(w.id).promptTokens,
      });
      ttft.push(t);
      tpot.push(model.predictTpotMs(w.id, w.load.runningRequests + 1));
      if (t !== undefined) known++;
    }
    if (known === 0) return out;
    const sloTtft = sloHeader(cycle.request.headers[SchedulingHeader.SloTtftMs]);
    const sloTpot = sloHeader(cycle.request.headers[SchedulingHeader.SloTpotMs]);
    if (sloTtft === undefined && sloTpot === undefined) {
      let best = Infinity;
      for (const t of ttft) if (t !== undefined) best = Math.min(best, t);
      for (let i = 0; i < workers.length; i++) {
        const t = ttft[i];
        if (t !== undefined) out[i] = t <= 0 ? 1 : Math.max(best, 1e-3) / Math.max(t, 1e-3);
      }
      return out;
    }
    for (let i = 0; i < workers.length; i++) {
      const t = ttft[i];
      if (t === undefined) continue;
      // Relative headroom per SLO: positive = slack, negative = predicted miss.
      const slack: number[] = [];
      if (sloTtft !== undefined) slack.push((sloTtft - t) / sloTtft);
      const o = tpot[i];
      if (sloTpot !== undefined && o !== undefined) slack.push((sloTpot - o) / sloTpot);
      const worst = Math.min(...slack);
      if (worst >= 0) {
        const mean = slack.reduce((a, b) => a + b, 0) / slack.length;
        out[i] = 0.5 + 0.5 * (1 - Math.min(1, mean));
      } else {
        out[i] = 0.5 * Math.exp(worst); // worst ∈ (-∞,0): small misses stay near 0.5
        if (out[i] === 0.5) out[i] = 0.4999;
      }
    }
    return out;
  }
}

export const predictedLatencyScorerFactory: PluginFactory = {
  type: PREDICTED_LATENCY_SCORER_TYPE,
  kind: PluginKind.Scorer,
  create(name, params) {
    params.done();
    return new PredictedLatencyScorer(name);
  },
};
