// Longest run of leading prompt blocks the worker holds per its KV events, over the prompt's full blocks
// (as llm-d's precise-prefix-cache-scorer). Reads: PrefixIndex via SchedulingCycle.preciseMatches().
//
// With `pendingPrefixes`, a worker also scores the leading blocks it was routed in a prompt that has not
// had its first token yet (queued or prefilling there), when that is more than its KV events show. An
// engine announces a block only once its prefill computed it, which under load is seconds after the
// routing decision (the prompt waits in the engine's queue first): a request sharing that prefix which
// arrived meanwhile saw a miss everywhere and went wherever load pointed, so its group's prefix was
// computed twice. Once the first token is back the KV events speak for those blocks, and for their
// eviction. Only this score counts them: the uncached tokens the load scorers and the in-flight ledger
// read stay on the KV events, since a request admitted while that prefill still runs computes the prefix
// again (vLLM matches only computed blocks), and a holder short of KV memory may preempt it.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type Scorer } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const PRECISE_PREFIX_SCORER_TYPE = 'precise-prefix-cache-scorer';

export class PrecisePrefixScorer implements Scorer {
  readonly type = PRECISE_PREFIX_SCORER_TYPE;
  readonly kind = PluginKind.Scorer;
  readonly consumes: readonly StateKey[];
  readonly hostCacheHitWeight?: number;
  constructor(
    readonly name: string,
    /** Share of a GPU block a host-tier (CPU offload) block following the GPU match counts for; 0: ignored. */
    hostCacheHitWeight = 0,
    /** Blocks of prompts routed to the worker and not yet prefilled count too. */
    readonly pendingPrefixes = false,
  ) {
    if (hostCacheHitWeight > 0) this.hostCacheHitWeight = hostCacheHitWeight;
    this.consumes = pendingPrefixes ? [StateKey.PrefixIndex, StateKey.PendingPrefixes] : [StateKey.PrefixIndex];
  }

  score(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): number[] {
    const hashes = cycle.blockHashes();
    const total = hashes.length;
    if (total === 0) return workers.map(() => 0);
    const matches = cycle.preciseMatches();
    const host = this.hostCacheHitWeight ?? 0;
    const pending = this.pendingPrefixes ? cycle.need(StateKey.PendingPrefixes) : undefined;
    return workers.map((w) => {
      const held = (matches.get(w.id) ?? 0) + (host > 0 ? host * cycle.hostBlocks(w.id) : 0);
      const routed = pending !== undefined ? pending.activePrefix(w.id, hashes) : 0;
      return Math.min(1, Math.max(held, routed) / total);
    });
  }
}

export const precisePrefixScorerFactory: PluginFactory = {
  type: PRECISE_PREFIX_SCORER_TYPE,
  kind: PluginKind.Scorer,
  create(name, params) {
    const hostCacheHitWeight = params.number('hostCacheHitWeight', { default: 0, min: 0, max: 1 });
    const pendingPrefixes = params.boolean('pendingPrefixes', false);
    params.done();
    return new PrecisePrefixScorer(name, hostCacheHitWeight, pendingPrefixes);
  },
};
