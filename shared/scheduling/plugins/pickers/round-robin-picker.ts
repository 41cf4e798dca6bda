// Cycles through the candidates in worker-id order, ignoring scores (the classic baseline). Reads: worker
// ids only. Keeps: its counter, in the scheduling state.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type Picker, type ScoredWorker } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const ROUND_ROBIN_PICKER_TYPE = 'round-robin-picker';

export class RoundRobinPicker implements Picker {
  readonly type = ROUND_ROBIN_PICKER_TYPE;
  readonly kind = PluginKind.Picker;
  readonly consumes: readonly StateKey[] = [StateKey.PickerCounters];
  constructor(readonly name: string) {}

  pick(cycle: SchedulingCycle, scored: readonly ScoredWorker[]): WorkerSnapshot {
    const ids = scored.map((s) => s.worker).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const counters = cycle.need(StateKey.PickerCounters);
    const next = counters.get(this.name) ?? 0;
    counters.set(this.name, (next + 1) % 1_000_000_007);
    return ids[next % ids.length]!;
  }
}

export const roundRobinPickerFactory: PluginFactory = {
  type: ROUND_ROBIN_PICKER_TYPE,
  kind: PluginKind.Picker,
  create(name, params) {
    params.done();
    return new RoundRobinPicker(name);
  },
};
