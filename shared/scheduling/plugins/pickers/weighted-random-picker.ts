// Picks a worker with probability proportional to its total score (all zero -> uniform). Spreads load
// while still favouring good workers. Reads: scores only.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, type StateKey, type Picker, type ScoredWorker } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const WEIGHTED_RANDOM_PICKER_TYPE = 'weighted-random-picker';

/** Samples index i with probability weights[i] / Σ weights; uniform when the sum is 0. */
export function sampleIndex(random: () => number, weights: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += Math.max(0, weights[i]!);
  if (!(sum > 0)) return Math.min(weights.length - 1, Math.floor(random() * weights.length));
  let r = random() * sum;
  for (let i = 0; i < weights.length; i++) {
    r -= Math.max(0, weights[i]!);
    if (r < 0) return i;
  }
  return weights.length - 1;
}

export class WeightedRandomPicker implements Picker {
  readonly type = WEIGHTED_RANDOM_PICKER_TYPE;
  readonly kind = PluginKind.Picker;
  readonly consumes: readonly StateKey[] = [];
  constructor(readonly name: string) {}

  pick(cycle: SchedulingCycle, scored: readonly ScoredWorker[]): WorkerSnapshot {
    return scored[
      sampleIndex(
        cycle.context.random,
        scored.map((s) => s.score),
      )
    ]!.worker;
  }
}

export const weightedRandomPickerFactory: PluginFactory = {
  type: WEIGHTED_RANDOM_PICKER_TYPE,
  kind: PluginKind.Picker,
  create(name, params) {
    params.done();
    return new WeightedRandomPicker(name);
  },
};
