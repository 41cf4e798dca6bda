// Less work assigned by this scheduler and not yet finished scores higher. Covers the lag of load reports:
// a burst within one report interval spreads instead of landing on the worker that looked idle.
//   score = (1 − tokenShare) × h(requests, halfRequests) + tokenShare × h(pendingPrefillTokens, halfTokens)
//   h(x, half) = half / (half + x): 1 when idle, 0.5 at `half`, → 0 under heavy load.
// Absolute rather than min-max: 1 vs 2 requests in flight barely differ (0.89 vs 0.8 at half 8), so a
// cached prefix is not thrown away over noise, while 0 vs 16 does (1 vs 0.33).
// Reads: InflightLedger totals (requests, pendingPrefillTokens).
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type Scorer } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const INFLIGHT_SCORER_TYPE = 'inflight-scorer';

export class InflightScorer implements Scorer {
  readonly type = INFLIGHT_SCORER_TYPE;
  readonly kind = PluginKind.Scorer;
  readonly consumes: readonly StateKey[] = [StateKey.Inflight];
  constructor(
    readonly name: string,
    /** Share of the score from pending prefill tokens; the rest from request count. */
    readonly tokenShare: number,
    /** requests in flight at which the request part of the score is 0.5. */
    readonly halfRequests: number,
    /** pending prefill tokens at which the token part of the score is 0.5. */
    readonly halfTokens: number,
  ) {}

  score(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): Float64Array {
    const out = new Float64Array(workers.length).fill(1);
    const ledger = cycle.need(StateKey.Inflight);
    for (let i = 0; i < workers.length; i++) {
      const t = ledger.totalsFor(workers[i]!.id);
      const r = this.halfRequests / (this.halfRequests + t.requests);
      const k = this.halfTokens / (this.halfTokens + t.pendingPrefillTokens);
      out[i] = (1 - this.tokenShare) * r + this.tokenShare * k;
    }
    return out;
  }
}

export const inflightScorerFactory: PluginFactory = {
  type: INFLIGHT_SCORER_TYPE,
  kind: PluginKind.Scorer,
  create(name, params) {
    const tokenShare = params.number('tokenShare', { default: 0.5, min: 0, max: 1 });
    const halfRequests = params.number('halfRequests', { default: 8, min: 0, minExclusive: true });
    // 8,192 tokens ≈ 0.5 s of prefill for an 8B model on one H100 (~16k tokens/s, vLLM prefill benchmarks).
    const halfTokens = params.number('halfTokens', { default: 8192, min: 0, minExclusive: true });
    params.done();
    return new InflightScorer(name, tokenShare, halfRequests, halfTokens);
  },
};
