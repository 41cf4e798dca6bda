// NVIDIA Dynamo's KV router cost, turned into a score (docs/router/kv_cache_routing.md, "Cost Calculation"):
//   cost = overlap_score_weight × prefill_blocks + decode_blocks
//   prefill_blocks = (request's uncached tokens on the worker + worker's pending prefill tokens) / block size
//   decode_blocks  = worker's active blocks (distinct blocks of its in-flight requests, as Dynamo's
//                    ActiveSequences) + the request's blocks not already active there
// Lowest cost is best; score = (max cost − cost) / (max cost − min cost), all equal -> 1.
// Reads: cached prefix blocks (precise index, else routed memory), InflightLedger, ActiveBlockTracker.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type Scorer } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';
import { lowerIsBetter } from '../worker-load.js';

export const KV_COST_SCORER_TYPE = 'kv-cost-scorer';

export class KvCostScorer implements Scorer {
  readonly type = KV_COST_SCORER_TYPE;
  readonly kind = PluginKind.Scorer;
  readonly consumes: readonly StateKey[] = [StateKey.PrefixIndex, StateKey.Inflight, StateKey.ActiveBlocks];
  readonly hostCacheHitWeight?: number;
  constructor(
    readonly name: string,
    /** Dynamo's --kv-overlap-score-weight (default 1). */
    readonly overlapScoreWeight: number,
    /** Dynamo's --router-host-cache-hit-weight: credit of a host-pinned (CPU offload) block; 0: none. */
    hostCacheHitWeight = 0,
  ) {
    if (hostCacheHitWeight > 0) this.hostCacheHitWeight = hostCacheHitWeight;
  }

  /** Dynamo's cost in blocks, per worker. */
  costs(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): number[] {
    const bs = cycle.blockSize;
    const requestBlocks = Math.ceil(cycle.request.tokenIds.length / bs);
    const ledger = cycle.need(StateKey.Inflight);
    const active = cycle.need(StateKey.ActiveBlocks);
    return workers.map((w) => {
      const prefill = (cycle.uncachedTokens(w.id) + ledger.totalsFor(w.id).pendingPrefillTokens) / bs;
      const decode = active.activeBlocks(w.id) + requestBlocks - active.activePrefix(w.id, cycle.blockHashes());
      return this.overlapScoreWeight * prefill + decode;
    });
  }

  score(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): Float64Array {
    return lowerIsBetter(this.costs(cycle, workers));
  }
}

export const kvCostScorerFactory: PluginFactory = {
  type: KV_COST_SCORER_TYPE,
  kind: PluginKind.Scorer,
  create(name, params) {
    const overlapScoreWeight = params.number('overlapScoreWeight', { default: 1, min: 0 });
    const hostCacheHitWeight = params.number('hostCacheHitWeight', { default: 0, min: 0, max: 1 });
    params.done();
    return new KvCostScorer(name, overlapScoreWeight, hostCacheHitWeight);
  },
};
