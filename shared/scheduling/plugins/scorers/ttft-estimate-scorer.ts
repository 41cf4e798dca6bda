// Scores a worker by an estimate of this request's time to first token there, in tokens of work ahead of
// the first token (at saturation TTFT is queueing, and a queue is work, not a request count):
//   cost = pending prefill tokens (InflightLedger: assigned by this scheduler, not yet at first token)
//        + this prompt's uncached tokens on the worker (prefix index)
//        + decodeTokenWeight × in-flight context tokens (prompt + max new tokens of its requests: the
//          decode work a prefill chunk shares its steps with and the KV it competes for)
//   score = (min cost + slackTokens) / (cost + slackTokens), in (0, 1]; the cheapest worker scores 1.
// So a cache hit wins exactly when it shortens the estimated wait: a cached worker with 20k tokens queued
// loses to an idle one when the prompt's uncached part on the idle one is smaller than that queue.
// slackTokens keeps small differences from mattering (two near-idle workers score alike).
// Reads: InflightLedger totals, cached prefix blocks (precise index, else routed memory).
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type Scorer } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const TTFT_ESTIMATE_SCORER_TYPE = 'ttft-estimate-scorer';

export class TtftEstimateScorer implements Scorer {
  readonly type = TTFT_ESTIMATE_SCORER_TYPE;
  readonly kind = PluginKind.Scorer;
  readonly consumes: readonly StateKey[] = [StateKey.Inflight];
  constructor(
    readonly name: string,
    /** tokens added to every cost before the ratio. */
    readonly slackTokens: number,
    /** weight of in-flight context tokens (prompt + max new) against prefill tokens. */
    readonly decodeTokenWeight: number,
  ) {}

  /** Estimated work ahead of the first token, tokens, per worker. */
  costs(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): Float64Array {
    const ledger = cycle.need(StateKey.Inflight);
    const out = new Float64Array(workers.length);
    for (let i = 0; i < workers.length; i++) {
      const id = workers[i]!.id;
      const t = ledger.totalsFor(id);
      const decode = t.promptTokens + t.maxNewTokens;
      out[i] = t.pendingPrefillTokens + cycle.uncachedTokens(id) + this.decodeTokenWeight * decode;
    }
    return out;
  }

  score(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): Float64Array {
    const costs = this.costs(cycle, workers);
    let min = Infinity;
    for (const c of costs) min = Math.min(min, c);
    for (let i = 0; i < costs.length; i++) costs[i] = (min + this.slackTokens) / (costs[i]! + this.slackTokens);
    return costs;
  }
}

export const ttftEstimateScorerFactory: PluginFactory = {
  type: TTFT_ESTIMATE_SCORER_TYPE,
  kind: PluginKind.Scorer,
  create(name, params) {
    // 2,048 tokens ≈ 0.07 s of prefill for an 8B model on one H100 (~30k tokens/s, SimEngine
    // llama-3-8b-h100 latency model): differences below that are noise next to report lag.
    const slackTokens = params.number('slackTokens', { default: 2048, min: 0, minExclusive: true });
    const decodeTokenWeight = params.number('decodeTokenWeight', { default: 0, min: 0 });
    params.done();
    return new TtftEstimateScorer(name, slackTokens, decodeTokenWeight);
  },
};
