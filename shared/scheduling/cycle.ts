// Per-decision state: the request, the context, and values several plugins need, computed once.
import { computeBlockHashes } from './state/prefix-hash.js';
import { SchedulingStateError } from './errors.js';
import { PrefixSource, type SchedulingContext, type SchedulingRequest, type SchedulingState, type StateKey } from './types.js';

export class SchedulingCycle {
  private hashes?: Float64Array;
  private exactMatches?: ReadonlyMap<string, number>;
  private routedMatches?: ReadonlyMap<string, number>;
  private hostMatches?: Map<string, number>;
  /** prefixSource, read once a cycle: cachedBlocks asks for it per worker and per scorer. */
  private source?: PrefixSource;
  /** Whether host-tier hits count this cycle (a host tier that holds blocks, a weight > 0, precise matches). */
  private hostTierCounts?: boolean;

  constructor(
    readonly request: SchedulingRequest,
    readonly context: SchedulingContext,
  ) {}

  /**
   * A piece of the scheduling state a plugin declared in `consumes`; throws when the state lacks it (the
   * pipeline checks declarations before it runs a plugin, so this only fails for an undeclared read).
   */
  need<K extends StateKey>(key: K): NonNullable<SchedulingState[K]> {
    const value = this.context.state[key];
    if (value === undefined || value === null) throw new SchedulingStateError(`the scheduling state has no "${key}"`);
    return value;
  }

  get blockSize(): number {
    return this.context.state.blockSize;
  }

  /** The scheduler's chained hashes of the prompt's full blocks. */
  blockHashes(): Float64Array {
    this.hashes ??= this.request.blockHashes ?? computeBlockHashes(this.request.tokenIds, this.blockSize);
    return this.hashes;
  }

  /**
   * worker id -> consecutive prompt blocks the engine reported holding (KV events), or, with speculative
   * indexing, was routed this prompt's prefix moments ago; empty without an index.
   */
  preciseMatches(): ReadonlyMap<string, number> {
    if (this.exactMatches === undefined) {
      const { prefixIndex: index, speculativePrefixes: speculative } = this.context.state;
      const matches = index ? index.matchPrefix(this.blockHashes()) : new Map<string, number>();
      if (speculative)
        for (const [w, n] of speculative.matchPrefix(this.blockHashes(), this.context.nowMs))
          matches.set(w, Math.max(n, matches.get(w) ?? 0));
      this.exactMatches = matches;
    }
    return this.exactMatches;
  }

  /** worker id -> consecutive prompt blocks this scheduler routed there (approximate, no events). */
  approximateMatches(): ReadonlyMap<string, number> {
    const routed = this.context.state.routedPrefixes;
    this.routedMatches ??= routed ? routed.matchPrefix(this.blockHashes(), this.context.nowMs) : new Map();
    return this.routedMatches;
  }

  /** The prefix state cachedBlocks reads (SchedulingState.prefixSource; see there for the default). */
  get prefixSource(): PrefixSource {
    if (this.source === undefined) {
      const { prefixSource, prefixIndex } = this.context.state;
      this.source = prefixSource ?? (prefixIndex && prefixIndex.workerCount > 0 ? PrefixSource.Precise : PrefixSource.Approximate);
    }
    return this.source;
  }

  /** worker id -> leading prompt blocks believed cached there, from the configured prefix source. */
  prefixMatches(): ReadonlyMap<string, number> {
    return this.prefixSource === PrefixSource.Precise ? this.preciseMatches() : this.approximateMatches();
  }

  /** Blocks believed cached on the worker (prefixMatches), in whole blocks of preciseMatchTokens when set. */
  cachedBlocks(workerId: string): number {
    const n = this.prefixMatches().get(workerId) ?? 0;
    const g = this.context.state.preciseMatchTokens;
    if (g === undefined || g === this.blockSize || this.prefixSource !== PrefixSource.Precise) return n;
    const per = g / this.blockSize;
    return Math.floor(n / per) * per;
  }

  /**
   * Blocks the worker holds in its host-memory offload tier right after its GPU match (cachedBlocks): what
   * its engine would load over PCIe instead of computing. 0 unless the config values host-tier hits.
   */
  hostBlocks(workerId: string): number {
    const { hostTier, hostCacheHitWeight } = this.context.state;
    // Decided once a cycle: on a fleet without a CPU tier this is every cycle's answer, for every worker.
    this.hostTierCounts ??=
      hostTier !== undefined && hostTier.heldBlocks > 0 && hostCacheHitWeight! > 0 && this.prefixSource === PrefixSource.Precise;
    if (!this.hostTierCounts || hostTier === undefined) return 0;
    this.hostMatches ??= new Map();
    let n = this.hostMatches.get(workerId);
    if (n === undefined) {
      n = hostTier.matchFrom(workerId, this.blockHashes(), this.preciseMatches().get(workerId) ?? 0);
      this.hostMatches.set(workerId, n);
    }
    return n;
  }

  /** GPU-matched blocks plus host-tier blocks at their weight (StateNeeds.hostCacheHitWeight), fractional. */
  effectiveCachedBlocks(workerId: string): number {
    const w = this.context.state.hostCacheHitWeight ?? 0;
    return this.cachedBlocks(workerId) + (w > 0 ? w * this.hostBlocks(workerId) : 0);
  }

  /** tokens the worker would have to prefill itself (a host-tier hit counts at its weight). */
  uncachedTokens(workerId: string): number {
    return Math.max(0, this.request.tokenIds.length - this.effectiveCachedBlocks(workerId) * this.blockSize);
  }
}
