// Max score among the workers that are neither hot by requests (as hot-spot-guard-picker: more than
// absThreshold above the least-loaded candidate AND more than relThreshold × its load) nor slow to a
// first token: a worker whose estimated work ahead of this prompt's first token (ttft-estimate-scorer's
// cost: pending prefill tokens + this prompt's uncached tokens there) exceeds the cheapest candidate's by
// more than absTokens is skipped. So prefix affinity decides while the cached worker's queue is short,
// and a cache hit is not taken when queueing there costs more than absTokens of prefill elsewhere.
// Never empty: the cheapest worker passes the token rule; if the two rules leave nothing, the token rule
// alone decides. Reads: scores, requestLoad, InflightLedger, cached prefix blocks.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type Picker, type ScoredWorker } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';
import { TtftEstimateScorer } from '../scorers/ttft-estimate-scorer.js';
import { HotSpotGuardPicker } from './hot-spot-guard-picker.js';
import { pickMaxScore } from './max-score-picker.js';

export const TTFT_GUARD_PICKER_TYPE = 'ttft-guard-picker';

export class TtftGuardPicker implements Picker {
  readonly type = TTFT_GUARD_PICKER_TYPE;
  readonly kind = PluginKind.Picker;
  readonly consumes: readonly StateKey[] = [StateKey.Inflight];
  private readonly estimate: TtftEstimateScorer;
  private readonly requestGuard: HotSpotGuardPicker;
  constructor(
    readonly name: string,
    /** tokens of estimated work ahead above the cheapest candidate's at which a worker is skipped. */
    readonly absTokens: number,
    /** requests above the least-loaded candidate before a worker may count as hot. */
    readonly absThreshold: number,
    /** ratio to the least-loaded candidate's requests before a worker may count as hot. */
    readonly relThreshold: number,
  ) {
    this.estimate = new TtftEstimateScorer(`${name}/estimate`, 1, 0);
    this.requestGuard = new HotSpotGuardPicker(`${name}/requests`, absThreshold, relThreshold);
  }

  /** Candidates passing the token rule, then (when something is left) the request rule. */
  coolCandidates(cycle: SchedulingCycle, scored: readonly ScoredWorker[]): ScoredWorker[] {
    const costs = this.estimate.costs(
      cycle,
      scored.map((s) => s.worker),
    );
    let min = Infinity;
    for (const c of costs) min = Math.min(min, c);
    const fast = scored.filter((_, i) => costs[i]! <= min + this.absTokens);
    const cool = new Set(this.requestGuard.coolCandidates(cycle, scored).map((s) => s.worker.id));
    const both = fast.filter((s) => cool.has(s.worker.id));
    return both.length > 0 ? both : fast;
  }

  pick(cycle: SchedulingCycle, scored: readonly ScoredWorker[]): WorkerSnapshot {
    return pickMaxScore(cycle.context.random, this.coolCandidates(cycle, scored));
  }
}

export const ttftGuardPickerFactory: PluginFactory = {
  type: TTFT_GUARD_PICKER_TYPE,
  kind: PluginKind.Picker,
  create(name, params) {
    // 16,384 tokens ≈ 0.6 s of prefill on one H100 for an 8B model (~27k tokens/s, SimEngine
    // llama-3-8b-h100 latency model): a wait worth leaving a cache hit for.
    const absTokens = params.number('absTokens', { default: 16_384, min: 0 });
    // As hot-spot-guard-picker: SGLang router's balance_abs_threshold default (32).
    const absThreshold = params.number('absThreshold', { default: 32, min: 0 });
    const relThreshold = params.number('relThreshold', { default: 2, min: 1 });
    params.done();
    return new TtftGuardPicker(name, absTokens, absThreshold, relThreshold);
  },
};
