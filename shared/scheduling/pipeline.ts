// The scheduling pipeline: one profile = filters, then weighted scorers, then the picker; the profile
// handler decides which profiles run. No I/O and no hidden state: the request and the scheduling state
// in, the decision out; what plugins keep (rotation counters, the P/D handler's backlog) lives in that
// state, declared in their `consumes`. Every plugin call is timed, for metrics only.
import { SchedulingCycle } from './cycle.js';
import { NoEligibleWorkerError, SchedulingStateError } from './errors.js';
import { LazyProfileExplanation, LazyScorerTrace } from './lazy-explanation.js';
import type {
  AnyPlugin,
  ProfileHandler,
  ProfileResult,
  RoutedPrefixNeeds,
  SchedulingProfile,
  ScoredWorker,
  StateKey,
} from './framework.js';
import type {
  Decision,
  FilterTrace,
  PluginTiming,
  PrefixSource,
  ScorerTrace,
  SchedulingContext,
  SchedulingRequest,
  WorkerSnapshot,
} from './types.js';

/** A loaded, validated configuration: what schedule() runs. */
export interface CompiledSchedulerConfig {
  readonly profiles: ReadonlyMap<string, SchedulingProfile>;
  readonly profileHandler: ProfileHandler;
  /** The routing memory's shape, when a plugin of the config reads it. */
  readonly routedPrefixes?: RoutedPrefixNeeds;
  /** Speculative indexing TTL (ms), when a plugin of the config asks for it. */
  readonly speculativeTtlMs?: number;
  /** Tokens per block in which precise matches count, when a plugin of the config says. */
  readonly preciseMatchTokens?: number;
  /** Share of a GPU hit a host-tier (CPU offload) hit counts for, when a plugin of the config says. */
  readonly hostCacheHitWeight?: number;
  /** Which prefix state cachedBlocks reads; absent when no plugin declares one. */
  readonly prefixSource?: PrefixSource;
  /** The scheduling state the config's plugins read or keep (their `consumes`, gathered). */
  readonly consumes: ReadonlySet<StateKey>;
  /** A plugin of the config reads the precise prefix index (the engines' KV events are worth applying). */
  readonly readsPrefixIndex: boolean;
  /** A plugin of the config reads the ActiveBlockTracker. */
  readonly tracksActiveBlocks?: boolean;
}

function clamp01(x: number): number {
  return x > 0 ? (x < 1 ? x : 1) : 0; // NaN -> 0
}

/** Refuses to run a plugin whose declared state the context lacks: a silent 0 would decide instead. */
function checkState(plugin: AnyPlugin, cycle: SchedulingCycle): void {
  for (const key of plugin.consumes) {
    const value = cycle.context.state[key];
    if (value === undefined || value === null)
      throw new SchedulingStateError(`plugin "${plugin.name}" reads "${key}", which this scheduling state does not have`);
  }
}

/** Runs fn and returns its result with the wall-clock ms it took (metrics and explanations only). */
function timed<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

export function runProfile(profile: SchedulingProfile, cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): ProfileResult {
  const filters: FilterTrace[] = [];
  const timings: PluginTiming[] = [];
  let candidates = workers;
  for (const f of profile.filters) {
    checkState(f, cycle);
    const t0 = performance.now();
    const kept = f.filter(cycle, candidates);
    timings.push({ plugin: f.name, kind: f.kind, durationMs: performance.now() - t0 });
    if (kept.length !== candidates.length) {
      const keptIds = new Set(kept.map((w) => w.id));
      filters.push({ plugin: f.name, removed: candidates.filter((w) => !keptIds.has(w.id)).map((w) => w.id) });
    }
    candidates = kept;
  }
  const scorers: ScorerTrace[] = [];
  const totals = new Float64Array(candidates.length);
  if (candidates.length > 0) {
    for (const { scorer, weight } of profile.scorers) {
      checkState(scorer, cycle);
      const t0 = performance.now();
      const raw = scorer.score(cycle, candidates);
      const ms = performance.now() - t0;
      if (raw.length !== candidates.length)
        throw new SchedulingStateError(`plugin "${scorer.name}" returned ${raw.length} scores for ${candidates.length} workers`);
      const clamped = new Float64Array(candidates.length);
      for (let i = 0; i < candidates.length; i++) {
        const s = clamp01(raw[i]!);
        clamped[i] = s;
        totals[i] = totals[i]! + weight * s;
      }
      scorers.push(new LazyScorerTrace(scorer.name, weight, ms, candidates, clamped));
      timings.push({ plugin: scorer.name, kind: scorer.kind, durationMs: ms });
    }
  }
  const scored: ScoredWorker[] = candidates.map((worker, i) => ({ worker, score: totals[i]! }));
  let chosen: WorkerSnapshot | null = null;
  if (scored.length > 0) {
    checkState(profile.picker, cycle);
    const t0 = performance.now();
    chosen = profile.picker.pick(cycle, scored);
    timings.push({ plugin: profile.picker.name, kind: profile.picker.kind, durationMs: performance.now() - t0 });
  }
  const cachedPrefixBlocks = chosen ? cycle.cachedBlocks(chosen.id) : 0;
  return {
    profile: profile.name,
    chosen,
    explanation: new LazyProfileExplanation(
      profile.name,
      candidates,
      filters,
      scorers,
      totals,
      profile.picker.name,
      chosen?.id ?? null,
      cachedPrefixBlocks,
      chosen ? cycle.uncachedTokens(chosen.id) : cycle.request.tokenIds.length,
      timings,
    ),
  };
}

/** Decides where a request runs. Throws NoEligibleWorkerError when no worker passes the decode filters. */
export function schedule(request: SchedulingRequest, context: SchedulingContext, config: CompiledSchedulerConfig): Decision {
  return runSchedulingCycle(new SchedulingCycle(request, context), config);
}

/** schedule() on a cycle the caller keeps (to reuse its block hashes afterwards). */
export function runSchedulingCycle(cycle: SchedulingCycle, config: CompiledSchedulerConfig): Decision {
  const { request, context } = cycle;
  const handler = config.profileHandler;
  checkState(handler, cycle);
  const results = new Map<string, ProfileResult>();
  let handlerMs = 0;
  for (let round = 0; round <= config.profiles.size; round++) {
    const picked = timed(() => handler.pickProfiles(cycle, config.profiles, results));
    handlerMs += picked.ms;
    const next = picked.value.filter((n) => !results.has(n));
    if (next.length === 0) break;
    for (const name of next) {
      const profile = config.profiles.get(name);
      if (profile) results.set(name, runProfile(profile, cycle, context.workers));
    }
  }
  const processed = timed(() => handler.processResults(cycle, results));
  handlerMs += processed.ms;
  const { decode, prefill, reason } = processed.value;
  if (!decode.chosen) {
    const removedBy: Record<string, readonly string[]> = {};
    for (const f of decode.explanation.filters) removedBy[f.plugin] = f.removed;
    throw new NoEligibleWorkerError(
      `no worker can serve model "${request.model}" (${context.workers.length} known; ${
        Object.entries(removedBy)
          .map(([k, v]) => `${k} removed ${v.length}`)
          .join(', ') || 'none registered'
      })`,
      removedBy,
    );
  }
  const d = decode.chosen;
  const p = prefill?.chosen;
  return {
    requestId: request.requestId,
    decode: {
      workerId: d.id,
      ...(d.address !== undefined ? { address: d.address } : {}),
      cachedPrefixBlocks: decode.explanation.cachedPrefixBlocks,
      uncachedTokens: decode.explanation.uncachedTokens,
    },
    ...(p ? { prefill: { workerId: p.id, ...(p.address !== undefined ? { address: p.address } : {}) } } : {}),
    explanation: {
      profiles: [...results.values()].map((r) => r.explanation),
      disaggregation: reason,
      profileHandler: { plugin: handler.name, kind: handler.kind, durationMs: handlerMs },
    },
  };
}
