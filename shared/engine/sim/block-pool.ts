// vLLM v1's BlockPool: physical blocks, the prefix-cache map from block hash to cached block, and the
// KV events that mirror changes to that map (BlockStored when a full block is cached, BlockRemoved only
// when a cached block is evicted for reuse, AllBlocksCleared on reset).
import type { EngineBlockHash, KvCacheEvent } from '../types.js';
import type { BlockHash } from './block-hash-chain.js';
import { FreeBlockQueue, type KvBlock } from './kv-block.js';

/** vLLM's medium label for device memory. */
export const GPU_MEDIUM = 'GPU';

export class BlockPool {
  readonly blocks: readonly KvBlock[];
  /** Block 0 is vLLM's null block (placeholder, never allocated), so usable blocks are numGpuBlocks - 1. */
  readonly nullBlock: KvBlock;
  private readonly freeQueue: FreeBlockQueue;
  /** Several physical blocks may carry the same hash when two requests computed the same prefix at once. */
  private readonly cached = new Map<EngineBlockHash, KvBlock[]>();

  /** @param emit receives KV events in the order vLLM would produce them. */
  constructor(
    readonly numGpuBlocks: number,
    private readonly emit: (event: KvCacheEvent) => void,
  ) {
    if (!Number.isInteger(numGpuBlocks) || numGpuBlocks < 2) {
      throw new RangeError(`numGpuBlocks must be an integer >= 2, got ${numGpuBlocks}`);
    }
    const blocks: KvBlock[] = [];
    for (let id = 0; id < numGpuBlocks; id++) blocks.push({ id, refCount: 0, hash: null, prev: null, next: null });
    this.blocks = blocks;
    this.freeQueue = new FreeBlockQueue(blocks);
    this.nullBlock = this.freeQueue.popLeft();
    this.nullBlock.refCount = 1;
  }

  get numFreeBlocks(): number {
    return this.freeQueue.length;
  }

  /** vllm:kv_cache_usage_perc: fraction of usable blocks held by requests (cached free blocks count as free). */
  usage(): number {
    const usable = this.numGpuBlocks - 1;
    return 1 - this.freeQueue.length / usable;
  }

  /** Free blocks from the next evicted to the last, for tests. */
  freeBlockIds(): number[] {
    return [...this.freeQueue].map((b) => b.id);
  }

  getCachedBlock(hash: EngineBlockHash): KvBlock | undefined {
    return this.cached.get(hash)?.[0];
  }

  isCached(hash: EngineBlockHash): boolean {
    return this.cached.has(hash);
  }

  /** Takes n blocks from the head of the free queue, evicting their cached hashes. Caller checks numFreeBlocks. */
  getNewBlocks(n: number): KvBlock[] {
    if (n > this.freeQueue.length) throw new Error(`cannot allocate ${n} KV blocks, ${this.freeQueue.length} free`);
    const out: KvBlock[] = [];
    for (let i = 0; i < n; i++) {
      const block = this.freeQueue.popLeft();
      this.evict(block);
      block.refCount = 1;
      out.push(block);
    }
    return out;
  }

  /** Adds a reference to blocks hit in the prefix cache, unlinking free ones from the free queue. */
  touch(blocks: readonly KvBlock[]): void {
    for (const block of blocks) {
      if (block.refCount === 0) this.freeQueue.remove(block);
      block.refCount++;
    }
  }

  /** Drops a reference; blocks reaching 0 join the free-queue tail in the given (eviction-priority) order. */
  free(orderedBlocks: Iterable<KvBlock>): void {
    for (const block of orderedBlocks) {
      if (block === this.nullBlock) continue;
      if (block.refCount <= 0) throw new Error(`KV block ${block.id} freed more often than referenced`);
      block.refCount--;
      if (block.refCount === 0) this.freeQueue.append(block);
    }
  }

  /**
   * Caches newly full blocks: blocks[first, blocks.length) get hashes[first, ...]; one BlockStored event
   * covers them all, with the hash of blocks[first - 1] as parent (null for a request's first block).
   * @param tokenIds the request's tokens; block i covers tokenIds[i*blockSize, (i+1)*blockSize).
   */
  cacheFullBlocks(
    blocks: readonly KvBlock[],
    hashes: readonly BlockHash[],
    first: number,
    end: number,
    tokenIds: readonly number[],
    blockSize: number,
  ): void {
    if (end <= first) return;
    const stored: EngineBlockHash[] = [];
    for (let i = first; i < end; i++) {
      const block = blocks[i]!;
      const hash = hashes[i]!;
      if (block.hash !== null) continue; // already cached (a prefix hit), vLLM skips it too
      block.hash = hash;
      const same = this.cached.get(hash.key);
      if (same === undefined) this.cached.set(hash.key, [block]);
      else same.push(block);
      stored.push(hash.key);
    }
    if (stored.length === 0) return;
    this.emit({
      type: 'BlockStored',
      blockHashes: stored,
      parentBlockHash: first > 0 ? hashes[first - 1]!.key : null,
      tokenIds: tokenIds.slice(first * blockSize, end * blockSize),
      blockSize,
      loraId: null,
      medium: GPU_MEDIUM,
    });
  }

  /**
   * Clears the prefix cache (vLLM's reset_prefix_cache). Refused (false) while any block is held,
   * as vLLM refuses while requests run.
   */
  reset(): boolean {
    if (this.freeQueue.length !== this.numGpuBlocks - 1) return false;
    this.cached.clear();
    for (const block of this.blocks) block.hash = null;
    this.emit({ type: 'AllBlocksCleared' });
    return true;
  }

  private evict(block: KvBlock): void {
    const hash = block.hash;
    if (hash === null) return;
    block.hash = null;
    const same = this.cached.get(hash.key);
    if (same !== undefined) {
      const i = same.indexOf(block);
      if (i >= 0) same.splice(i, 1);
      if (same.length === 0) this.cached.delete(hash.key);
    }
    this.emit({ type: 'BlockRemoved', blockHashes: [hash.key], medium: GPU_MEDIUM });
  }
}
