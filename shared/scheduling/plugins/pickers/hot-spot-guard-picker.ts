// Max-score, except that a worker far more loaded than the least-loaded candidate is skipped: a worker is
// "hot" when load > min load + absThreshold AND load > relThreshold × min load. Keeps cache affinity from
// piling a whole tenant onto one engine while others idle; once the others hold the prefix too, prefix
// scores tie and load decides. Reads: scores, load (max of reported running+waiting and InflightLedger).
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type Picker, type ScoredWorker } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';
import { requestLoad } from '../worker-load.js';
import { pickMaxScore } from './max-score-picker.js';

export const HOT_SPOT_GUARD_PICKER_TYPE = 'hot-spot-guard-picker';

export class HotSpotGuardPicker implements Picker {
  readonly type = HOT_SPOT_GUARD_PICKER_TYPE;
  readonly kind = PluginKind.Picker;
  readonly consumes: readonly StateKey[] = [StateKey.Inflight];
  constructor(
    readonly name: string,
    /** requests above the least-loaded candidate before a worker may count as hot. */
    readonly absThreshold: number,
    /** ratio to the least-loaded candidate's load before a worker may count as hot. */
    readonly relThreshold: number,
  ) {}

  /** The candidates that are not hot (never empty: the least-loaded one always stays). */
  coolCandidates(cycle: SchedulingCycle, scored: readonly ScoredWorker[]): ScoredWorker[] {
    const loads = scored.map((s) => requestLoad(cycle, s.worker));
    const min = Math.min(...loads);
    return scored.filter((_, i) => !(loads[i]! > min + this.absThreshold && loads[i]! > this.relThreshold * min));
  }

  pick(cycle: SchedulingCycle, scored: readonly ScoredWorker[]): WorkerSnapshot {
    return pickMaxScore(cycle.context.random, this.coolCandidates(cycle, scored));
  }
}

export const hotSpotGuardPickerFactory: PluginFactory = {
  type: HOT_SPOT_GUARD_PICKER_TYPE,
  kind: PluginKind.Picker,
  create(name, params) {
    // 32 requests: SGLang router's balance_abs_threshold default, the same question (is the cache-affine
    // worker so far ahead of the least-loaded one that balance must win?).
    const absThreshold = params.number('absThreshold', { default: 32, min: 0 });
    const relThreshold = params.number('relThreshold', { default: 2, min: 1 });
    params.done();
    return new HotSpotGuardPicker(name, absThreshold, relThreshold);
  },
};
