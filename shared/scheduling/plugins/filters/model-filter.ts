// Keeps workers that serve the requested model. Reads: WorkerSnapshot.models, request.model.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, type StateKey, type Filter } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const MODEL_FILTER_TYPE = 'model-filter';

export class ModelFilter implements Filter {
  readonly type = MODEL_FILTER_TYPE;
  readonly kind = PluginKind.Filter;
  readonly consumes: readonly StateKey[] = [];
  constructor(readonly name: string) {}

  filter(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): readonly WorkerSnapshot[] {
    const model = cycle.request.model;
    return workers.filter((w) => w.models.includes(model));
  }
}

export const modelFilterFactory: PluginFactory = {
  type: MODEL_FILTER_TYPE,
  kind: PluginKind.Filter,
  create(name, params) {
    params.done();
    return new ModelFilter(name);
  },
};
