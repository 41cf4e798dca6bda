// Dynamo's router_temperature (docs/router/kv_cache_routing.md, "Worker Selection"): temperature 0 picks
// the best; above 0 it samples from a softmax over the min-max normalised scores,
// p_i ∝ exp((s_i − 1) / T), which is Dynamo's softmax over normalised negated costs. Reads: scores only.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, type StateKey, type Picker, type ScoredWorker } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';
import { pickMaxScore } from './max-score-picker.js';
import { sampleIndex } from './weighted-random-picker.js';

export const SOFTMAX_PICKER_TYPE = 'softmax-picker';

export class SoftmaxPicker implements Picker {
  readonly type = SOFTMAX_PICKER_TYPE;
  readonly kind = PluginKind.Picker;
  readonly consumes: readonly StateKey[] = [];
  constructor(
    readonly name: string,
    readonly temperature: number,
  ) {}

  /** Selection probability per candidate (for tests and explanations). */
  probabilities(scored: readonly ScoredWorker[]): number[] {
    const scores = scored.map((s) => s.score);
    const min = Math.min(...scores);
    const max = Math.max(...scores);
    const w = scores.map((s) => Math.exp(((max === min ? 1 : (s - min) / (max - min)) - 1) / this.temperature));
    const sum = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / sum);
  }

  pick(cycle: SchedulingCycle, scored: readonly ScoredWorker[]): WorkerSnapshot {
    if (this.temperature === 0) return pickMaxScore(cycle.context.random, scored);
    return scored[sampleIndex(cycle.context.random, this.probabilities(scored))]!.worker;
  }
}

export const softmaxPickerFactory: PluginFactory = {
  type: SOFTMAX_PICKER_TYPE,
  kind: PluginKind.Picker,
  create(name, params) {
    const temperature = params.number('temperature', { default: 0, min: 0 });
    params.done();
    return new SoftmaxPicker(name, temperature);
  },
};
