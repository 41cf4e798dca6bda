// Fewer running requests (smaller decode batch, faster steps) score higher, min-max normalised.
// Reads: load.runningRequests.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, type StateKey, type Scorer } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';
import { lowerIsBetter } from '../worker-load.js';

export const RUNNING_REQUESTS_SCORER_TYPE = 'running-requests-scorer';

export class RunningRequestsScorer implements Scorer {
  readonly type = RUNNING_REQUESTS_SCORER_TYPE;
  readonly kind = PluginKind.Scorer;
  readonly consumes: readonly StateKey[] = [];
  constructor(readonly name: string) {}

  score(_cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): Float64Array {
    return lowerIsBetter(workers.map((w) => w.load.runningRequests));
  }
}

export const runningRequestsScorerFactory: PluginFactory = {
  type: RUNNING_REQUESTS_SCORER_TYPE,
  kind: PluginKind.Scorer,
  create(name, params) {
    params.done();
    return new RunningRequestsScorer(name);
  },
};
