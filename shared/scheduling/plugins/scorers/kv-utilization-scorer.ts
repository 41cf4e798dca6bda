// Free KV cache scores higher: 1 - kv_cache_usage (as llm-d's kv-cache-utilization-scorer).
// Reads: load.kvCacheUsage in [0,1].
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, type StateKey, type Scorer } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const KV_UTILIZATION_SCORER_TYPE = 'kv-cache-utilization-scorer';

export class KvUtilizationScorer implements Scorer {
  readonly type = KV_UTILIZATION_SCORER_TYPE;
  readonly kind = PluginKind.Scorer;
  readonly consumes: readonly StateKey[] = [];
  constructor(readonly name: string) {}

  score(_cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): number[] {
    return workers.map((w) => 1 - w.load.kvCacheUsage);
  }
}

export const kvUtilizationScorerFactory: PluginFactory = {
  type: KV_UTILIZATION_SCORER_TYPE,
  kind: PluginKind.Scorer,
  create(name, params) {
    params.done();
    return new KvUtilizationScorer(name);
  },
};
