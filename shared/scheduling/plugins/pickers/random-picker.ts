// Uniformly random candidate, ignoring scores (the "random" baseline). Reads: nothing but the RNG.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, type StateKey, type Picker, type ScoredWorker } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const RANDOM_PICKER_TYPE = 'random-picker';

export class RandomPicker implements Picker {
  readonly type = RANDOM_PICKER_TYPE;
  readonly kind = PluginKind.Picker;
  readonly consumes: readonly StateKey[] = [];
  constructor(readonly name: string) {}

  pick(cycle: SchedulingCycle, scored: readonly ScoredWorker[]): WorkerSnapshot {
    return scored[Math.min(scored.length - 1, Math.floor(cycle.context.random() * scored.length))]!.worker;
  }
}

export const randomPickerFactory: PluginFactory = {
  type: RANDOM_PICKER_TYPE,
  kind: PluginKind.Picker,
  create(name, params) {
    params.done();
    return new RandomPicker(name);
  },
};
