// Picks the highest total score; ties (within 1e-9) broken uniformly at random with the context's RNG, so
// equal workers share load instead of the first in the list taking everything. Reads: scores only.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, type Picker, type ScoredWorker } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const MAX_SCORE_PICKER_TYPE = 'max-score-picker';
const TIE_EPSILON = 1e-9;

/** Shared by pickers that end in "best of what is left". */
export function pickMaxScore(random: () => number, scored: readonly ScoredWorker[]): WorkerSnapshot {
  let best = -Infinity;
  for (const s of scored) best = Math.max(best, s.score);
  const top = scored.filter((s) => s.score >= best - TIE_EPSILON);
  return top[Math.min(top.length - 1, Math.floor(random() * top.length))]!.worker;
}

export class MaxScorePicker implements Picker {
  readonly type = MAX_SCORE_PICKER_TYPE;
  readonly kind = PluginKind.Picker;
  constructor(readonly name: string) {}

  pick(cycle: SchedulingCycle, scored: readonly ScoredWorker[]): WorkerSnapshot {
    return pickMaxScore(cycle.context.random, scored);
  }
}

export const maxScorePickerFactory: PluginFactory = {
  type: MAX_SCORE_PICKER_TYPE,
  kind: PluginKind.Picker,
  create(name, params) {
    params.done();
    return new MaxScorePicker(name);
  },
};
