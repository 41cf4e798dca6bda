// The per-worker parts of a decision's explanation (scores, totals, candidate ids), built on first read.
// A decision is explained (debug logs, sampled span attributes, tests) far less often than it is made, and
// building a 64-key object per scorer was ~15% of a 64-engine decision (BENCHMARKS.md, scheduler).
// Classes with prototype getters, so every instance has one shape (object literals with getters made
// small decisions several times slower); toJSON writes the same fields a plain object would.
import type { PluginTiming, ProfileExplanation, FilterTrace, ScorerTrace, WorkerSnapshot } from './types.js';

function byId(workers: readonly WorkerSnapshot[], values: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < workers.length; i++) out[workers[i]!.id] = values[i]!;
  return out;
}

export class LazyScorerTrace implements ScorerTrace {
  readonly #workers: readonly WorkerSnapshot[];
  readonly #values: Float64Array;
  #scores: Record<string, number> | undefined;

  constructor(
    readonly plugin: string,
    readonly weight: number,
    readonly durationMs: number,
    workers: readonly WorkerSnapshot[],
    /** Clamped scores, aligned with workers. */
    values: Float64Array,
  ) {
    this.#workers = workers;
    this.#values = values;
  }

  get scores(): Readonly<Record<string, number>> {
    return (this.#scores ??= byId(this.#workers, this.#values));
  }

  toJSON(): ScorerTrace {
    return { plugin: this.plugin, weight: this.weight, scores: this.scores, durationMs: this.durationMs };
  }
}

export class LazyProfileExplanation implements ProfileExplanation {
  readonly #workers: readonly WorkerSnapshot[];
  readonly #totals: Float64Array;
  #totalsById: Record<string, number> | undefined;
  #candidates: readonly string[] | undefined;
  readonly chosenTotal: number | null;

  constructor(
    readonly profile: string,
    /** The candidates after the filters. */
    workers: readonly WorkerSnapshot[],
    readonly filters: readonly FilterTrace[],
    readonly scorers: readonly ScorerTrace[],
    /** Weighted sums, aligned with workers. */
    totals: Float64Array,
    readonly picker: string,
    readonly chosen: string | null,
    readonly cachedPrefixBlocks: number,
    readonly uncachedTokens: number,
    readonly timings: readonly PluginTiming[],
  ) {
    this.#workers = workers;
    this.#totals = totals;
    const at = chosen === null ? -1 : workers.findIndex((w) => w.id === chosen);
    this.chosenTotal = at >= 0 ? totals[at]! : null;
  }

  get candidates(): readonly string[] {
    return (this.#candidates ??= this.#workers.map((w) => w.id));
  }

  get totals(): Readonly<Record<string, number>> {
    return (this.#totalsById ??= byId(this.#workers, this.#totals));
  }

  toJSON(): ProfileExplanation {
    return {
      profile: this.profile,
      candidates: this.candidates,
      filters: this.filters,
      scorers: this.scorers,
      totals: this.totals,
      chosenTotal: this.chosenTotal,
      picker: this.picker,
      chosen: this.chosen,
      cachedPrefixBlocks: this.cachedPrefixBlocks,
      uncachedTokens: this.uncachedTokens,
      timings: this.timings,
    };
  }
}

/**
 * A copy of an explanation with another chosen worker (a profile handler overruling the picker), as a
 * plain object: spreading a LazyProfileExplanation would drop its getters (candidates, totals).
 */
export function withChosen(explanation: ProfileExplanation, chosen: string): ProfileExplanation {
  const totals = explanation.totals;
  return {
    profile: explanation.profile,
    candidates: explanation.candidates,
    filters: explanation.filters,
    scorers: explanation.scorers,
    totals,
    chosenTotal: totals[chosen] ?? null,
    picker: explanation.picker,
    chosen,
    cachedPrefixBlocks: explanation.cachedPrefixBlocks,
    uncachedTokens: explanation.uncachedTokens,
    timings: explanation.timings,
  };
}
