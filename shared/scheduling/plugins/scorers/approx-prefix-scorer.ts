// Leading prompt blocks this scheduler routed to the worker before, over the prompt's full blocks, for
// engines without KV events (as llm-d's approximate prefix-cache-scorer). The scheduler feeds the memory
// with RoutedPrefixCache.recordRouted after each decision. Reads: RoutedPrefixCache.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, type Scorer } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const APPROX_PREFIX_SCORER_TYPE = 'approx-prefix-cache-scorer';

export class ApproxPrefixScorer implements Scorer {
  readonly type = APPROX_PREFIX_SCORER_TYPE;
  readonly kind = PluginKind.Scorer;
  constructor(
    readonly name: string,
    /** Blocks remembered per worker; the Scheduler sizes its RoutedPrefixCache from this. */
    readonly capacityBlocks: number,
  ) {}

  score(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): number[] {
    const total = cycle.blockHashes().length;
    if (total === 0) return workers.map(() => 0);
    const matches = cycle.approximateMatches();
    return workers.map((w) => (matches.get(w.id) ?? 0) / total);
  }
}

export const approxPrefixScorerFactory: PluginFactory = {
  type: APPROX_PREFIX_SCORER_TYPE,
  kind: PluginKind.Scorer,
  create(name, params) {
    // 32,768 blocks × 16 tokens ≈ 0.5 M tokens: the KV capacity of an 8B model on one 80 GB GPU
    // (roughly 60 GB free for KV at 128 KiB per token for Llama-3-8B in bf16).
    const capacityBlocks = params.number('capacityBlocks', { default: 32_768, min: 1, integer: true });
    params.done();
    return new ApproxPrefixScorer(name, capacityBlocks);
  },
};
