// The scheduling pipeline: one profile = filters, then weighted scorers, then the picker; the profile
// handler decides which profiles run. Pure: state and request in, decision out (the round-robin picker's
// counter is the only state a run may change).
import { SchedulingCycle } from './cycle.js';
import { NoEligibleWorkerError } from './errors.js';
import type { ProfileHandler, ProfileResult, RoutedPrefixNeeds, SchedulingProfile, ScoredWorker } from './framework.js';
import type { Decision, FilterTrace, PrefixSource, ScorerTrace, SchedulingContext, SchedulingRequest, WorkerSnapshot } from './types.js';

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
  /** Which prefix state cachedBlocks reads; absent when no plugin declares one. */
  readonly prefixSource?: PrefixSource;
  /** A plugin of the config reads the precise prefix index (the engines' KV events are worth applying). */
  readonly readsPrefixIndex: boolean;
  /** A plugin of the config reads the ActiveBlockTracker. */
  readonly tracksActiveBlocks?: boolean;
}

function clamp01(x: number): number {
  return x > 0 ? (x < 1 ? x : 1) : 0; // NaN -> 0
}

export function runProfile(profile: SchedulingProfile, cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): ProfileResult {
  const filters: FilterTrace[] = [];
  let candidates = workers;
  for (const f of profile.filters) {
    const kept = f.filter(cycle, candidates);
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
      // Wall time of the plugin, for the per-plugin metric only: it never influences a decision.
      const t0 = performance.now();
      const raw = scorer.score(cycle, candidates);
      const durationMs = performance.now() - t0;
      const scores: Record<string, number> = {};
      for (let i = 0; i < candidates.length; i++) {
        const s = clamp01(raw[i]!);
        scores[candidates[i]!.id] = s;
        totals[i] = totals[i]! + weight * s;
      }
      scorers.push({ plugin: scorer.name, weight, scores, durationMs });
    }
  }
  const scored: ScoredWorker[] = candidates.map((worker, i) => ({ worker, score: totals[i]! }));
  const chosen = scored.length > 0 ? profile.picker.pick(cycle, scored) : null;
  const totalsById: Record<string, number> = {};
  for (const s of scored) totalsById[s.worker.id] = s.score;
  const cachedPrefixBlocks = chosen ? cycle.cachedBlocks(chosen.id) : 0;
  return {
    profile: profile.name,
    chosen,
    explanation: {
      profile: profile.name,
      candidates: candidates.map((w) => w.id),
      filters,
      scorers,
      totals: totalsById,
      picker: profile.picker.name,
      chosen: chosen?.id ?? null,
      cachedPrefixBlocks,
      uncachedTokens: chosen ? cycle.uncachedTokens(chosen.id) : cycle.request.tokenIds.length,
    },
  };
}

/** Decides where a request runs. Throws NoEligibleWorkerError when no worker passes the decode filters. */
export function schedule(request: SchedulingRequest, context: SchedulingContext, config: CompiledSchedulerConfig): Decision {
  return runSchedulingCycle(new SchedulingCycle(request, context), config);
}

/** schedule() on a cycle the caller keeps (to reuse its block hashes afterwards). */
export function runSchedulingCycle(cycle: SchedulingCycle, config: CompiledSchedulerConfig): Decision {
  const { request, context } = cycle;
  const results = new Map<string, ProfileResult>();
  for (let round = 0; round <= config.profiles.size; round++) {
    const next = config.profileHandler.pickProfiles(cycle, config.profiles, results).filter((n) => !results.has(n));
    if (next.length === 0) break;
    for (const name of next) {
      const profile = config.profiles.get(name);
      if (profile) results.set(name, runProfile(profile, cycle, context.workers));
    }
  }
  const { decode, prefill, reason } = config.profileHandler.processResults(cycle, results);
  if (!decode.chosen) {
    const removedBy: Record<string, readonly string[]> = {};
    for (const f of decode.explanation.filters) removedBy[f.plugin] = f.removed;
    throw new NoEligibleWorkerError(
      `no worker can serve model "${request.model}" (${context.workers.length} known; ${
        Object.entries(removedBy).map(([k, v]) => `${k} removed ${v.length}`).join(', ') || 'none registered'
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
    explanation: { profiles: [...results.values()].map((r) => r.explanation), disaggregation: reason },
  };
}
