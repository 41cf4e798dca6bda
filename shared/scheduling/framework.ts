// The plugin contracts of the scheduling framework, after the Kubernetes endpoint picker
// (gateway-api-inference-extension pkg/epp/scheduling/framework): filters, then weighted scorers, then a
// picker, grouped into profiles; a profile handler says which profiles run and combines their results.
import type { SchedulingCycle } from './cycle.js';
import type { ProfileExplanation, WorkerSnapshot } from './types.js';

export const PluginKind = {
  Filter: 'filter',
  Scorer: 'scorer',
  Picker: 'picker',
  ProfileHandler: 'profile-handler',
} as const;
export type PluginKind = (typeof PluginKind)[keyof typeof PluginKind];

export interface Plugin {
  /** The registry type name, e.g. 'queue-scorer'. */
  readonly type: string;
  /** The instance name profiles refer to (defaults to the type). */
  readonly name: string;
}

export interface Filter extends Plugin {
  readonly kind: typeof PluginKind.Filter;
  /** Returns the workers that may serve the request; never adds workers. */
  filter(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): readonly WorkerSnapshot[];
}

export interface Scorer extends Plugin {
  readonly kind: typeof PluginKind.Scorer;
  /** One score per worker, same order, meant to lie in [0,1] (higher is better); the framework clamps. */
  score(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): ArrayLike<number>;
}

export interface ScoredWorker {
  readonly worker: WorkerSnapshot;
  /** Weighted sum of clamped scorer scores. */
  readonly score: number;
}

export interface Picker extends Plugin {
  readonly kind: typeof PluginKind.Picker;
  /** Chooses one of the (non-empty) scored workers. */
  pick(cycle: SchedulingCycle, scored: readonly ScoredWorker[]): WorkerSnapshot;
}

export interface WeightedScorer {
  readonly scorer: Scorer;
  /** ≥ 0; belongs to the profile, not to the scorer. */
  readonly weight: number;
}

export interface SchedulingProfile {
  readonly name: string;
  readonly filters: readonly Filter[];
  readonly scorers: readonly WeightedScorer[];
  readonly picker: Picker;
}

export interface ProfileResult {
  readonly profile: string;
  /** null when the filters left no candidate. */
  readonly chosen: WorkerSnapshot | null;
  readonly explanation: ProfileExplanation;
}

export interface ProfileHandler extends Plugin {
  readonly kind: typeof PluginKind.ProfileHandler;
  /** Called until it returns no name: which profiles to run next, given the results so far. */
  pickProfiles(
    cycle: SchedulingCycle,
    profiles: ReadonlyMap<string, SchedulingProfile>,
    results: ReadonlyMap<string, ProfileResult>,
  ): readonly string[];
  /** Combines the profile results into the decode target and the optional prefill target. */
  processResults(
    cycle: SchedulingCycle,
    results: ReadonlyMap<string, ProfileResult>,
  ): { decode: ProfileResult; prefill?: ProfileResult; reason: string };
}

export type AnyPlugin = Filter | Scorer | Picker | ProfileHandler;
