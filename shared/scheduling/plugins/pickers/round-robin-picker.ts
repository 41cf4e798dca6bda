// Cycles through the candidates in worker-id order, ignoring scores (the classic baseline). Holds a
// counter: the one picker with state of its own. Reads: worker ids only.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, type Picker, type ScoredWorker } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const ROUND_ROBIN_PICKER_TYPE = 'round-robin-picker';

export class RoundRobinPicker implements Picker {
  readonly type = ROUND_ROBIN_PICKER_TYPE;
  readonly kind = PluginKind.Picker;
  private next = 0;
  constructor(readonly name: string) {}

  pick(_cycle: SchedulingCycle, scored: readonly ScoredWorker[]): WorkerSnapshot {
    const ids = scored.map((s) => s.worker).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const chosen = ids[this.next % ids.length]!;
    this.next = (this.next + 1) % 1_000_000_007;
    return chosen;
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
