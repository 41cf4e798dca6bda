// The reuse bound of a workload: the prefix-cache hit rate one unlimited cache would reach if every
// request, in arrival order, were served by it. No router can place requests so that an engine's finite
// cache finds more of a prompt cached than this (a hit needs an earlier request to have computed the
// block), so it is the top of the scale `request_hit_rate` is read on.
//
// Counted as vLLM counts a hit (shared/engine/sim/kv-cache.ts findCachedPrefix): whole blocks of the
// engine's block size, the longest run from the prompt's start, never the prompt's last token.
import { BlockHashTable, computeBlockHashes } from '../../../shared/scheduling/index.js';

export class ReuseBound {
  /** Every block hash seen (a Set<number> of 53-bit hashes boxes each one: 7% of a Mooncake run). */
  private readonly seen = new BlockHashTable(1 << 16);
  /** Prompt tokens of the measured requests. */
  queries = 0;
  /** Of those, tokens an unlimited cache would hold at arrival. */
  hits = 0;

  constructor(readonly blockSize: number) {}

  /**
   * A request arrives: its hit (counted when `measured`; warm-up requests only fill the cache, as they
   * fill the engines'), then its prompt's blocks join the cache. hashes: the prompt's block hashes at this
   * bound's block size, when the caller has them.
   */
  arrive(
    promptTokenIds: readonly number[],
    measured: boolean,
    hashes: Float64Array = computeBlockHashes(promptTokenIds, this.blockSize),
  ): void {
    const maxBlocks = Math.min(Math.floor((promptTokenIds.length - 1) / this.blockSize), hashes.length);
    let n = 0;
    while (n < maxBlocks && this.seen.get(hashes[n]!) !== undefined) n++;
    if (measured) {
      this.queries += promptTokenIds.length;
      this.hits += n * this.blockSize;
    }
    for (const h of hashes) this.seen.set(h, 1);
  }

  /**
   * A request finished: the blocks its output filled are cached too (an engine caches decode blocks, and
   * a chat's next turn re-sends the answer). Needed only where later prompts can contain outputs.
   */
  finish(promptTokenIds: readonly number[], outputTokenIds: readonly number[]): void {
    for (const h of computeBlockHashes(promptTokenIds.concat(outputTokenIds), this.blockSize)) this.seen.set(h, 1);
  }

  get rate(): number {
    return this.queries > 0 ? this.hits / this.queries : 0;
  }
}
