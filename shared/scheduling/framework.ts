// The plugin contracts of the scheduling framework, after the Kubernetes endpoint picker
// (gateway-api-inference-extension pkg/epp/scheduling/framework): filters, then weighted scorers, then a
// picker, grouped into profiles; a profile handler says which profiles run and combines their results.
import type { SchedulingCycle } from './cycle.js';
import type { ProfileExplanation, StateKey, WorkerSnapshot } from './types.js';

// Plugins declare their state with it; it lives in types.ts beside the state it names.
export { StateKey } from './types.js';

export const PluginKind = {
  Filter: 'filter',
  Scorer: 'scorer',
  Picker: 'picker',
  ProfileHandler: 'profile-handler',
} as const;
export type PluginKind = (typeof PluginKind)[keyof typeof PluginKind];

/**
 * How a plugin wants the scheduler's routing memory kept (RoutedPrefixCache), in tokens: the loader
 * gathers these from the config's plugins and the Scheduler builds its state from them.
 */
export interface RoutedPrefixNeeds {
  /** Tokens per remembered block (a multiple of the scheduler's block size). */
  readonly blockTokens: number;
  /** Blocks remembered per worker; 'engine': the worker's reported num_gpu_blocks. */
  readonly capacityBlocks: number | 'engine';
  /** Leading prompt tokens considered at most (default: all). */
  readonly maxPrefixTokens?: number;
}

/** How a plugin wants the state it consumes set up, beyond its presence. */
export interface StateNeeds {
  /** The routing memory's shape (with StateKey.RoutedPrefixes). */
  readonly routedPrefixes?: RoutedPrefixNeeds;
  /** ms a routed prompt's blocks count as held by the chosen worker before its KV events arrive. */
  readonly speculativeTtlMs?: number;
  /**
   * Tokens per block in which a precise match counts (llm-d's precise producer hashes 64-token blocks):
   * cachedBlocks is rounded down to whole blocks of this size. Default: the engine's block size.
   */
  readonly preciseMatchTokens?: number;
  /**
   * Share of a GPU hit a host-memory (CPU offload tier) hit is worth: the prefill it saves less the PCIe
   * load it costs. Absent or 0: host-tier blocks are not counted.
   */
  readonly hostCacheHitWeight?: number;
}

export interface Plugin extends StateNeeds {
  /** The registry type name, e.g. 'queue-scorer'. */
  readonly type: string;
  /** The instance name profiles refer to (defaults to the type). */
  readonly name: string;
  /** The scheduling state it reads (or, for StateKey.PrefillBacklog and PickerCounters, keeps). */
  readonly consumes: readonly StateKey[];
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
