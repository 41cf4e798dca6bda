// vLLM v1's KVCacheManager for one full-attention group: per-request block tables over a BlockPool,
// longest-prefix lookup, slot allocation for the tokens a step computes, caching of blocks as they
// fill, and prefix-cache statistics (vllm:prefix_cache_queries / _hits, in tokens).
import type { KvCacheEvent } from '../types.js';
import type { BlockHash } from './block-hash-chain.js';
import { BlockPool } from './block-pool.js';
import type { ExternalKvStore } from './external-kv.js';
import type { KvBlock } from './kv-block.js';

/** What the KV cache needs to know of a request. */
export interface KvCacheRequest {
  readonly requestId: string;
  /** Prompt and output tokens so far. */
  readonly tokenIds: readonly number[];
  /** Hashes of every full block of tokenIds, in order (kept current by the request as tokens append). */
  readonly blockHashes: readonly BlockHash[];
  /** Tokens whose KV is computed (or being computed by the scheduled step). */
  readonly numComputedTokens: number;
}

export interface PrefixHit {
  /** Blocks of the engine's own prefix cache. */
  readonly blocks: readonly KvBlock[];
  /** Blocks after those that an external store supplies (allocated fresh, loaded instead of computed). */
  readonly numExternalBlocks?: number;
  /** (blocks.length + numExternalBlocks) * blockSize. */
  readonly numTokens: number;
}

export class KvCache {
  readonly pool: BlockPool;
  private readonly tables = new Map<string, KvBlock[]>();
  /** Per request: how many leading blocks are already cached (hit or stored). */
  private readonly numCached = new Map<string, number>();
  /** Each request's last prefix lookup: the blocks found and the hash each carried then. */
  private readonly lastHit = new WeakMap<
    KvCacheRequest,
    { readonly blocks: readonly KvBlock[]; readonly hashes: ReadonlyArray<BlockHash | null> }
  >();
  /** vllm:prefix_cache_queries_total, tokens. */
  queries = 0;
  /** vllm:prefix_cache_hits_total, tokens. */
  hits = 0;
  /** Tokens an external store supplied beyond the engine's own hits (vLLM's external prefix cache hits). */
  externalHits = 0;

  constructor(
    numGpuBlocks: number,
    readonly blockSize: number,
    emit: (event: KvCacheEvent) => void,
    private readonly external?: ExternalKvStore,
  ) {
    if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`blockSize must be a positive integer, got ${blockSize}`);
    this.pool = new BlockPool(numGpuBlocks, emit);
  }

  /**
   * Longest cached prefix of full blocks (vLLM's get_computed_blocks). The last token is never a hit,
   * so at least one token is computed and yields logits. Counts the lookup in the prefix-cache stats.
   */
  findCachedPrefix(request: KvCacheRequest): PrefixHit {
    const maxHitTokens = request.tokenIds.length - 1;
    const maxBlocks = Math.min(Math.floor(maxHitTokens / this.blockSize), request.blockHashes.length);
    // A request blocked at the head of the waiting queue is looked up again every step (450 blocks a
    // prompt on llmd-shared-prefix: 12% of a run's time went to these lookups). The blocks its last lookup
    // found still hold its prefix as long as each carries the same hash object (eviction and reset clear
    // it, re-caching sets another), so they are checked by identity and only the rest is looked up by hash.
    if (this.external !== undefined && !this.external.residentInGpu) {
      // A shared pool read in place: everything reusable comes from it, no GPU block is taken.
      const numExternalBlocks = this.external.matchFrom(request.blockHashes, 0, maxBlocks);
      this.queries += request.tokenIds.length;
      this.externalHits += numExternalBlocks * this.blockSize;
      return { blocks: [], numExternalBlocks, numTokens: numExternalBlocks * this.blockSize };
    }
    const memo = this.lastHit.get(request);
    let n = 0;
    if (memo !== undefined) while (n < memo.blocks.length && n < maxBlocks && memo.blocks[n]!.hash === memo.hashes[n]) n++;
    const blocks: KvBlock[] = memo !== undefined ? memo.blocks.slice(0, n) : [];
    for (let i = n; i < maxBlocks; i++) {
      const block = this.pool.getCachedBlock(request.blockHashes[i]!);
      if (block === undefined) break;
      blocks.push(block);
    }
    this.lastHit.set(request, { blocks, hashes: blocks.map((b) => b.hash) });
    const numExternalBlocks = this.external !== undefined ? this.external.matchFrom(request.blockHashes, blocks.length, maxBlocks) : 0;
    this.queries += request.tokenIds.length;
    this.hits += blocks.length * this.blockSize;
    this.externalHits += numExternalBlocks * this.blockSize;
    const numTokens = (blocks.length + numExternalBlocks) * this.blockSize;
    return numExternalBlocks > 0 ? { blocks, numExternalBlocks, numTokens } : { blocks, numTokens };
  }

  /**
   * Allocates blocks so that numNewTokens more tokens (after numComputedTokens plus the new hit) fit
   * (vLLM's allocate_slots). Returns false, changing nothing, when there are not enough free blocks.
   * Caches the blocks that will be full once the step has computed them, unless delayCaching (a P/D
   * pull: the blocks are cached when the transfer lands, as vLLM's delay_cache_blocks).
   */
  allocateSlots(request: KvCacheRequest, numNewTokens: number, hit?: PrefixHit, delayCaching = false): boolean {
    const table = this.tables.get(request.requestId) ?? [];
    const hitBlocks = hit?.blocks ?? [];
    const numComputed = request.numComputedTokens + (hit?.numTokens ?? 0);
    const numNeeded = Math.ceil((numComputed + numNewTokens) / this.blockSize);
    // Touching a free cached block takes it out of the free queue, so it costs a free block too.
    let hitFromFree = 0;
    for (const block of hitBlocks) if (block.refCount === 0) hitFromFree++;
    // Blocks read in place from a shared pool take no GPU block: the null block stands in for them.
    const inPlace = this.external !== undefined && !this.external.residentInGpu ? (hit?.numExternalBlocks ?? 0) : 0;
    const numNew = Math.max(0, numNeeded - table.length - hitBlocks.length - inPlace);
    if (numNew + hitFromFree > this.pool.numFreeBlocks) return false;
    if (!this.tables.has(request.requestId)) {
      this.tables.set(request.requestId, table);
      this.numCached.set(request.requestId, hitBlocks.length);
    }
    if (hitBlocks.length > 0) {
      this.pool.touch(hitBlocks);
      table.push(...hitBlocks);
    }
    for (let i = 0; i < inPlace; i++) table.push(this.pool.nullBlock);
    if (numNew > 0) table.push(...this.pool.getNewBlocks(numNew));
    if (delayCaching) return true;
    this.cacheBlocks(request, Math.min(numComputed + numNewTokens, request.tokenIds.length));
    return true;
  }

  /** Caches the request's blocks that are full within its first numTokens tokens. */
  cacheBlocks(request: KvCacheRequest, numTokens: number): void {
    const table = this.tables.get(request.requestId);
    if (table === undefined) return;
    const first = this.numCached.get(request.requestId) ?? 0;
    const end = Math.min(Math.floor(numTokens / this.blockSize), request.blockHashes.length, table.length);
    if (end <= first) return;
    this.pool.cacheFullBlocks(table, request.blockHashes, first, end, request.tokenIds, this.blockSize);
    this.external?.stored(request.blockHashes, first, end);
    this.numCached.set(request.requestId, end);
  }

  /** The request's block table (physical block ids), e.g. for NixlConnector's remote_block_ids. */
  blockIds(requestId: string): number[] {
    return (this.tables.get(requestId) ?? []).map((b) => b.id);
  }

  numBlocksHeld(requestId: string): number {
    return this.tables.get(requestId)?.length ?? 0;
  }

  /** Releases the request's blocks, last block first so a prompt's tail is evicted before its shared head. */
  free(requestId: string): void {
    const table = this.tables.get(requestId);
    this.tables.delete(requestId);
    this.numCached.delete(requestId);
    if (table === undefined) return;
    const reversed: KvBlock[] = [];
    for (let i = table.length - 1; i >= 0; i--) reversed.push(table[i]!);
    this.pool.free(reversed);
  }

  usage(): number {
    return this.pool.usage();
  }

  resetPrefixCache(): boolean {
    return this.pool.reset();
  }
}
