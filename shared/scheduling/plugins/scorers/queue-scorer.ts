// Fewer waiting requests score higher, min-max normalised over the candidates (as llm-d's queue-scorer).
// Reads: load.waitingRequests.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, type StateKey, type Scorer } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';
import { lowerIsBetter } from '../worker-load.js';

export const QUEUE_SCORER_TYPE = 'queue-scorer';

export class QueueScorer implements Scorer {
  readonly type = QUEUE_SCORER_TYPE;
  readonly kind = PluginKind.Scorer;
  readonly consumes: readonly StateKey[] = [];
  constructor(readonly name: string) {}

  score(_cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): Float64Array {
    return lowerIsBetter(workers.map((w) => w.load.waitingRequests));
  }
}

export const queueScorerFactory: PluginFactory = {
  type: QUEUE_SCORER_TYPE,
  kind: PluginKind.Scorer,
  create(name, params) {
    params.done();
    return new QueueScorer(name);
  },
};
