// Keeps healthy workers whose load report is fresh: a worker that stopped reporting may be gone, and its
// stale numbers would mislead every load scorer. Reads: WorkerSnapshot.healthy, loadReportedAtMs; nowMs.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, type StateKey, type Filter } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const HEALTH_FILTER_TYPE = 'health-filter';

export class HealthFilter implements Filter {
  readonly type = HEALTH_FILTER_TYPE;
  readonly kind = PluginKind.Filter;
  readonly consumes: readonly StateKey[] = [];
  constructor(
    readonly name: string,
    /** ms; a load report older than this disqualifies the worker. */
    readonly maxLoadAgeMs: number,
  ) {}

  filter(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): readonly WorkerSnapshot[] {
    const now = cycle.context.nowMs;
    return workers.filter((w) => w.healthy && now - w.loadReportedAtMs <= this.maxLoadAgeMs);
  }
}

export const healthFilterFactory: PluginFactory = {
  type: HEALTH_FILTER_TYPE,
  kind: PluginKind.Filter,
  create(name, params) {
    // 5 s: several missed reports at the workers' default 500 ms report interval.
    const maxLoadAgeMs = params.number('maxLoadAgeMs', { default: 5000, min: 0 });
    params.done();
    return new HealthFilter(name, maxLoadAgeMs);
  },
};
