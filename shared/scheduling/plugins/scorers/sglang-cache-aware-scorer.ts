// SGLang router's cache_aware policy (sgl-project/sglang, sgl-router src/policies/cache_aware.rs; CLI
// defaults cache_threshold 0.5, balance_abs_threshold 32, balance_rel_threshold 1.0001), as scores that a
// max-score picker turns into the same choice:
//   load = requests the router has in flight per worker (its own counter, InflightLedger here).
//   imbalanced  ⇔ (max load − min load) > abs_threshold AND max load > rel_threshold × min load
//   imbalanced  -> shortest queue: score = 1 − load / max load
//   balanced    -> best approximate prefix match rate > cache_threshold: score = match rate
//                  otherwise the worker with the smallest tree: score = 1 − tree size / max tree size
// Match rate is in blocks here (SGLang matches characters/tokens in a radix tree, no block rounding).
// Reads: InflightLedger, RoutedPrefixCache.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, type Scorer } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const SGLANG_CACHE_AWARE_SCORER_TYPE = 'sglang-cache-aware-scorer';

export class SglangCacheAwareScorer implements Scorer {
  readonly type = SGLANG_CACHE_AWARE_SCORER_TYPE;
  readonly kind = PluginKind.Scorer;
  constructor(
    readonly name: string,
    readonly cacheThreshold: number,
    readonly balanceAbsThreshold: number,
    readonly balanceRelThreshold: number,
    /** Blocks remembered per worker (SGLang's max_tree_size, here per worker). */
    readonly capacityBlocks: number,
  ) {}

  score(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): Float64Array {
    const out = new Float64Array(workers.length);
    const ledger = cycle.context.state.inflight;
    const loads = workers.map((w) => ledger?.totalsFor(w.id).requests ?? 0);
    const max = Math.max(...loads);
    const min = Math.min(...loads);
    if (max - min > this.balanceAbsThreshold && max > this.balanceRelThreshold * min) {
      for (let i = 0; i < workers.length; i++) out[i] = max === 0 ? 1 : 1 - loads[i]! / max;
      return out;
    }
    const total = cycle.blockHashes().length;
    const matches = cycle.approximateMatches();
    let bestRate = 0;
    for (let i = 0; i < workers.length; i++) {
      out[i] = total === 0 ? 0 : (matches.get(workers[i]!.id) ?? 0) / total;
      bestRate = Math.max(bestRate, out[i]!);
    }
    if (total > 0 && bestRate > this.cacheThreshold) return out;
    const routed = cycle.context.state.routedPrefixes;
    const sizes = workers.map((w) => routed?.sizeOf(w.id) ?? 0);
    const maxSize = Math.max(...sizes);
    for (let i = 0; i < workers.length; i++) out[i] = maxSize === 0 ? 1 : 1 - sizes[i]! / maxSize;
    return out;
  }
}

export const sglangCacheAwareScorerFactory: PluginFactory = {
  type: SGLANG_CACHE_AWARE_SCORER_TYPE,
  kind: PluginKind.Scorer,
  create(name, params) {
    const cacheThreshold = params.number('cacheThreshold', { default: 0.5, min: 0, max: 1 });
    const balanceAbsThreshold = params.number('balanceAbsThreshold', { default: 32, min: 0 });
    const balanceRelThreshold = params.number('balanceRelThreshold', { default: 1.0001, min: 1 });
    const capacityBlocks = params.number('capacityBlocks', { default: 32_768, min: 1, integer: true });
    params.done();
    return new SglangCacheAwareScorer(name, cacheThreshold, balanceAbsThreshold, balanceRelThreshold, capacityBlocks);
  },
};
