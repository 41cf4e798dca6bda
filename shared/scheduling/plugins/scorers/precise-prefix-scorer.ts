// Longest run of leading prompt blocks the worker holds per its KV events, over the prompt's full blocks
// (as llm-d's precise-prefix-cache-scorer). Reads: PrefixIndex via SchedulingCycle.preciseMatches().
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type Scorer } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const PRECISE_PREFIX_SCORER_TYPE = 'precise-prefix-cache-scorer';

export class PrecisePrefixScorer implements Scorer {
  readonly type = PRECISE_PREFIX_SCORER_TYPE;
  readonly kind = PluginKind.Scorer;
  readonly consumes: readonly StateKey[] = [StateKey.PrefixIndex];
  readonly hostCacheHitWeight?: number;
  constructor(
    readonly name: string,
    /** Share of a GPU block a host-tier (CPU offload) block following the GPU match counts for; 0: ignored. */
    hostCacheHitWeight = 0,
  ) {
    if (hostCacheHitWeight > 0) this.hostCacheHitWeight = hostCacheHitWeight;
  }

  score(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): number[] {
    const total = cycle.blockHashes().length;
    if (total === 0) return workers.map(() => 0);
    const matches = cycle.preciseMatches();
    const host = this.hostCacheHitWeight ?? 0;
    return workers.map((w) => Math.min(1, ((matches.get(w.id) ?? 0) + (host > 0 ? host * cycle.hostBlocks(w.id) : 0)) / total));
  }
}

export const precisePrefixScorerFactory: PluginFactory = {
  type: PRECISE_PREFIX_SCORER_TYPE,
  kind: PluginKind.Scorer,
  create(name, params) {
    const hostCacheHitWeight = params.number('hostCacheHitWeight', { default: 0, min: 0, max: 1 });
    params.done();
    return new PrecisePrefixScorer(name, hostCacheHitWeight);
  },
};
