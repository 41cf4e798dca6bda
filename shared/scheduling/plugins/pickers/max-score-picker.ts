// Picks the highest total score. Ties (within 1e-9) are broken either uniformly at random with the
// context's RNG (`tieBreak: random`, the default, so equal workers share load), or by rotation, as llm-d's
// max-score-picker does (`tieBreak: rotate`; llm-d/llm-d-router pkg/epp/framework/plugins/scheduling/
// picker/common.go RotateScoredEndpoints: a process-wide counter, the i-th tie among n goes to the
// tied worker at counter mod n, "pure random shuffling causes them to converge on the same winner").
// Reads: scores only. Keeps (rotate only): its rotation counter, in the scheduling state.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type Picker, type ScoredWorker } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const MAX_SCORE_PICKER_TYPE = 'max-score-picker';
const TIE_EPSILON = 1e-9;

export const TieBreak = { Random: 'random', Rotate: 'rotate' } as const;
export type TieBreak = (typeof TieBreak)[keyof typeof TieBreak];

/** The scored workers within TIE_EPSILON of the best score, in input order. */
export function topScored(scored: readonly ScoredWorker[]): ScoredWorker[] {
  let best = -Infinity;
  for (const s of scored) best = Math.max(best, s.score);
  return scored.filter((s) => s.score >= best - TIE_EPSILON);
}

/** Shared by pickers that end in "best of what is left". */
export function pickMaxScore(random: () => number, scored: readonly ScoredWorker[]): WorkerSnapshot {
  const top = topScored(scored);
  return top[Math.min(top.length - 1, Math.floor(random() * top.length))]!.worker;
}

export class MaxScorePicker implements Picker {
  readonly type = MAX_SCORE_PICKER_TYPE;
  readonly kind = PluginKind.Picker;
  readonly consumes: readonly StateKey[];
  constructor(
    readonly name: string,
    readonly tieBreak: TieBreak = TieBreak.Random,
  ) {
    this.consumes = tieBreak === TieBreak.Rotate ? [StateKey.PickerCounters] : [];
  }

  pick(cycle: SchedulingCycle, scored: readonly ScoredWorker[]): WorkerSnapshot {
    if (this.tieBreak === TieBreak.Random) return pickMaxScore(cycle.context.random, scored);
    const top = topScored(scored);
    const counters = cycle.need(StateKey.PickerCounters);
    const n = counters.get(this.name) ?? 0;
    counters.set(this.name, n + 1);
    return top[n % top.length]!.worker;
  }
}

export const maxScorePickerFactory: PluginFactory = {
  type: MAX_SCORE_PICKER_TYPE,
  kind: PluginKind.Picker,
  create(name, params) {
    const tieBreak = params.oneOf('tieBreak', [TieBreak.Random, TieBreak.Rotate], TieBreak.Random);
    params.done();
    return new MaxScorePicker(name, tieBreak);
  },
};
