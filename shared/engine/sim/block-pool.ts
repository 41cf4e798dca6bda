// vLLM v1's BlockPool: physical blocks, the prefix-cache map from block hash to cached block, and the
// KV events that mirror changes to that map (BlockStored when a full block is cached, BlockRemoved only
// when a cached block is evicted for reuse, AllBlocksCleared on reset).
import type { EngineBlockHash, KvCacheEvent } from '../types.js';
import { BlockHashTable } from '../../scheduling/state/block-hash-table.js';
import { sameBlockHash, type BlockHash } from './block-hash-chain.js';
import { FreeBlockQueue, type KvBlock } from './kv-block.js';

/** vLLM's medium label for device memory. */
export const GPU_MEDIUM = 'GPU';

export class BlockPool {
  readonly blocks: readonly KvBlock[];
  /** Block 0 is vLLM's null block (placeholder, never allocated), so usable blocks are numGpuBlocks - 1. */
  readonly nullBlock: KvBlock;
  private readonly freeQueue: FreeBlockQueue;
  /**
   * The prefix cache: BlockHash.index -> id of a block cached under that hash. A typed-array table, not a
   * Map of hash strings: a Mooncake run caches ~700,000 blocks, and string keys and per-entry arrays cost
   * a fifth of its time. Hits are confirmed on the full 64 bits (an index collision is a miss).
   */
  private readonly cached = new BlockHashTable(1024);
  /**
   * Further blocks with a hash already cached, by index: several physical blocks carry the same hash when
   * requests computed the same prefix at once (vLLM keeps each, and announces each).
   */
  private readonly copies = new Map<number, KvBlock[]>();

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

  getCachedBlock(hash: BlockHash): KvBlock | undefined {
    const id = this.cached.get(hash.index);
    if (id === undefined) return undefined;
    const block = this.blocks[id]!;
    return block.hash !== null && sameBlockHash(block.hash, hash) ? block : undefined;
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
      if (block === this.nullBlock) continue; // read in place from a shared pool: nothing to cache here
      const first = this.cached.get(hash.index);
      if (first === undefined) {
        this.cached.set(hash.index, block.id);
      } else {
        const holder = this.blocks[first]!;
        // Another block with this index and a different hash (a 53-bit collision): left uncached.
        if (holder.hash === null || !sameBlockHash(holder.hash, hash)) continue;
        const more = this.copies.get(hash.index);
        if (more === undefined) this.copies.set(hash.index, [block]);
        else more.push(block);
      }
      block.hash = hash;
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
    for (const block of this.blocks) if (block.hash !== null) this.cached.delete(block.hash.index);
    this.copies.clear();
    for (const block of this.blocks) block.hash = null;
    this.emit({ type: 'AllBlocksCleared' });
    return true;
  }

  private evict(block: KvBlock): void {
    const hash = block.hash;
    if (hash === null) return;
    block.hash = null;
    const more = this.copies.get(hash.index);
    if (this.cached.get(hash.index) === block.id) {
      // The table's copy goes: another copy, if any, takes its place.
      const next = more?.shift(); // the oldest remaining copy, as a list of copies would give
      if (next !== undefined) this.cached.set(hash.index, next.id);
      else this.cached.delete(hash.index);
    } else if (more !== undefined) {
      const i = more.indexOf(block);
      if (i >= 0) more.splice(i, 1);
    }
    if (more !== undefined && more.length === 0) this.copies.delete(hash.index);
    this.emit({ type: 'BlockRemoved', blockHashes: [hash.key], medium: GPU_MEDIUM });
  }
}
