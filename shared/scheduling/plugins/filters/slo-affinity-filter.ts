// Affinity that knows when to let go: keep a request on the engine(s) holding most of its prefix while the
// TTFT predicted there (SaturationTracker: backlog + the request's uncached tokens over the prefill
// throughput the engine was seen to sustain) fits the request's budget, and let the scorers choose among
// every worker (spill) when it does not. Budget: the request's `x-slo-ttft-ms` header, else
// `defaultSloTtftMs`, times `headroom` (the share of the budget the prediction may use: the prediction
// ignores decode interference and arrivals still to come).
// Reads: prefix matches (precise index and host tier via SchedulingCycle), SaturationTracker.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type Filter } from '../../framework.js';
import { SchedulingHeader, type WorkerSnapshot } from '../../types.js';

export const SLO_AFFINITY_FILTER_TYPE = 'slo-affinity-filter';

export interface SloAffinityOptions {
  /** ms; the TTFT budget of a request without an `x-slo-ttft-ms` header. */
  readonly defaultSloTtftMs: number;
  /** Share of the budget the predicted TTFT at the holder may take (0, 1]. */
  readonly headroom: number;
  /** Share of the prompt's blocks the best holder must hold for affinity to apply at all. */
  readonly minCachedShare: number;
}

/** Per filter instance: how often it stayed with the holder and how often it let go (metrics, tests). */
export interface SloAffinityCounts {
  stays: number;
  spills: number;
}

export class SloAffinityFilter implements Filter {
  readonly type = SLO_AFFINITY_FILTER_TYPE;
  readonly kind = PluginKind.Filter;
  readonly consumes: readonly StateKey[] = [StateKey.PrefixIndex, StateKey.Saturation];
  readonly counts: SloAffinityCounts = { stays: 0, spills: 0 };
  constructor(
    readonly name: string,
    readonly options: SloAffinityOptions,
  ) {}

  /** The request's TTFT budget, ms. */
  budgetMs(cycle: SchedulingCycle): number {
    const raw = cycle.request.headers[SchedulingHeader.SloTtftMs];
    const v = raw !== undefined ? Number(raw) : NaN;
    return Number.isFinite(v) && v > 0 ? v : this.options.defaultSloTtftMs;
  }

  filter(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): readonly WorkerSnapshot[] {
    if (workers.length <= 1) return workers;
    const total = cycle.blockHashes().length;
    if (total === 0) return workers;
    const cached = workers.map((w) => cycle.effectiveCachedBlocks(w.id));
    const best = Math.max(...cached);
    if (best <= 0 || best / total < this.options.minCachedShare) return workers;
    const tracker = cycle.need(StateKey.Saturation);
    const limit = this.budgetMs(cycle) * this.options.headroom;
    const fits = workers.filter((w, i) => cached[i]! >= best && tracker.predictTtftMs(w.id, cycle.uncachedTokens(w.id)) <= limit);
    if (fits.length === 0) {
      this.counts.spills++;
      return workers;
    }
    this.counts.stays++;
    return fits;
  }
}

export const sloAffinityFilterFactory: PluginFactory = {
  type: SLO_AFFINITY_FILTER_TYPE,
  kind: PluginKind.Filter,
  create(name, params) {
    const options: SloAffinityOptions = {
      defaultSloTtftMs: params.number('defaultSloTtftMs', { default: 2000, min: 0, minExclusive: true }),
      headroom: params.number('headroom', { default: 0.5, min: 0, max: 1, minExclusive: true }),
      minCachedShare: params.number('minCachedShare', { default: 0.5, min: 0, max: 1 }),
    };
    params.done();
    return new SloAffinityFilter(name, options);
  },
};
