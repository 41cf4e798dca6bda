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
  constructor(readonly name: string) {}

  score(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): number[] {
    const total = cycle.blockHashes().length;
    if (total === 0) return workers.map(() => 0);
    const matches = cycle.preciseMatches();
    return workers.map((w) => (matches.get(w.id) ?? 0) / total);
  }
}

export const precisePrefixScorerFactory: PluginFactory = {
  type: PRECISE_PREFIX_SCORER_TYPE,
  kind: PluginKind.Scorer,
  create(name, params) {
    params.done();
    return new PrecisePrefixScorer(name);
  },
};
