// Per-decision state: the request, the context, and values several plugins need, computed once.
import { computeBlockHashes } from './state/prefix-hash.js';
import type { SchedulingContext, SchedulingRequest } from './types.js';

export class SchedulingCycle {
  private hashes?: Float64Array;
  private exactMatches?: ReadonlyMap<string, number>;
  private routedMatches?: ReadonlyMap<string, number>;

  constructor(
    readonly request: SchedulingRequest,
    readonly context: SchedulingContext,
  ) {}

  get blockSize(): number {
    return this.context.state.blockSize;
  }

  /** The scheduler's chained hashes of the prompt's full blocks. */
  blockHashes(): Float64Array {
    this.hashes ??= computeBlockHashes(this.request.tokenIds, this.blockSize);
    return this.hashes;
  }

  /** worker id -> consecutive prompt blocks the engine reported holding (KV events); empty without an index. */
  preciseMatches(): ReadonlyMap<string, number> {
    const index = this.context.state.prefixIndex;
    this.exactMatches ??= index ? index.matchPrefix(this.blockHashes()) : new Map();
    return this.exactMatches;
  }

  /** worker id -> consecutive prompt blocks this scheduler routed there (approximate, no events). */
  approximateMatches(): ReadonlyMap<string, number> {
    const routed = this.context.state.routedPrefixes;
    this.routedMatches ??= routed ? routed.matchPrefix(this.blockHashes()) : new Map();
    return this.routedMatches;
  }

  /**
   * Blocks believed cached on the worker: the precise index once any engine has sent KV events, else the
   * routing memory (deployments whose engines publish no events).
   */
  cachedBlocks(workerId: string): number {
    const index = this.context.state.prefixIndex;
    const matches = index && index.workerCount > 0 ? this.preciseMatches() : this.approximateMatches();
    return matches.get(workerId) ?? 0;
  }

  /** tokens the worker would have to prefill itself. */
  uncachedTokens(workerId: string): number {
    return Math.max(0, this.request.tokenIds.length - this.cachedBlocks(workerId) * this.blockSize);
  }
}
