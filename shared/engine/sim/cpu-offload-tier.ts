// vLLM's native CPU KV offloading (OffloadingConnector, `--kv-offloading-size`, vLLM ≥ 0.11): every full
// block the engine computes is also stored to a pool in host memory (asynchronously, write-through), the
// pool evicts least recently used blocks, and a request whose prefix the GPU cache no longer holds loads
// the blocks that follow its GPU hit from host memory over PCIe instead of computing them (the request
// waits off the batch meanwhile, as for a NixlConnector pull).
// Sources: vLLM blog "Inside vLLM's New KV Offloading Connector" (Ozeri, Harnik, IBM Research, vLLM 0.11.0:
// stores computed blocks to CPU, LRU manager, async loads); vllm.v1.kv_offload (lru_manager, mediums:
// medium "CPU"); llm-d tiered-prefix-cache guide (Qwen3-32B on H100, 100 GB CPU cache offload size).
// KV events: stores and evictions of the pool are announced with medium "CPU"; the stores are tokenless
// (no parent, no token ids: the router maps the engine's block hash it already learned from the GPU store),
// as llm-d's and Dynamo's routers consume them.
import type { KvCacheEvent } from '../types.js';
import { sameBlockHash, type BlockHash } from './block-hash-chain.js';
import type { ExternalKvStore } from './external-kv.js';

/** vLLM's medium label for the host-memory offload pool (CPULoadStoreSpec.medium()). */
export const CPU_MEDIUM = 'CPU';

export interface CpuOffloadOptions {
  /**
   * Host memory for offloaded KV, bytes, summed over the replica's tensor-parallel ranks (vLLM's
   * `--kv-offloading-size` in GiB is the total across TP ranks).
   */
  readonly bytes: number;
  /**
   * Host-to-device bandwidth per GPU, bytes/s (default 50e9: PCIe Gen5 x16 is 64 GB/s per direction,
   * ~80% of it achieved by large pinned-memory copies). Each GPU loads its own shard in parallel.
   */
  readonly pcieBandwidth?: number;
}

export const DEFAULT_PCIE_BANDWIDTH = 50e9;

export class CpuOffloadTier implements ExternalKvStore {
  readonly residentInGpu = true;
  /**
   * BlockHash.index -> hash, in LRU order (a Map iterates in insertion order; a hit re-inserts). Written
   * by hand over a Map rather than an LRU package: only insertion order and delete are needed.
   */
  private readonly lru = new Map<number, BlockHash>();
  /** Blocks stored to the pool so far (each store counted once). */
  numStored = 0;
  numEvicted = 0;

  constructor(
    /** Blocks the pool holds. */
    readonly capacityBlocks: number,
    private readonly blockSize: number,
    private readonly emit: (event: KvCacheEvent) => void,
  ) {
    if (!Number.isInteger(capacityBlocks) || capacityBlocks < 1)
      throw new RangeError(`CPU offload capacity must be at least one block, got ${capacityBlocks}`);
  }

  get size(): number {
    return this.lru.size;
  }

  has(hash: BlockHash): boolean {
    const held = this.lru.get(hash.index);
    return held !== undefined && sameBlockHash(held, hash);
  }

  matchFrom(hashes: readonly BlockHash[], from: number, end: number): number {
    let n = 0;
    for (let i = from; i < end && this.has(hashes[i]!); i++) n++;
    return n;
  }

  /** Write-through: the engine cached these blocks in GPU memory; they are stored here too (or refreshed). */
  stored(hashes: readonly BlockHash[], from: number, end: number): void {
    const added: string[] = [];
    const removed: string[] = [];
    for (let i = from; i < end; i++) {
      const hash = hashes[i]!;
      const held = this.lru.get(hash.index);
      if (held !== undefined) {
        if (!sameBlockHash(held, hash)) continue; // an index collision: the held block stays
        this.lru.delete(hash.index);
        this.lru.set(hash.index, held);
        continue;
      }
      this.lru.set(hash.index, hash);
      added.push(hash.key);
      this.numStored++;
      while (this.lru.size > this.capacityBlocks) {
        const [index, oldest] = this.lru.entries().next().value as [number, BlockHash];
        this.lru.delete(index);
        removed.push(oldest.key);
        this.numEvicted++;
      }
    }
    // A block stored and evicted within this call is announced neither stored nor removed; evictions of
    // blocks announced earlier come first.
    let announcedRemoved = removed;
    let announcedAdded = added;
    if (removed.length > 0 && added.length > 0) {
      const addedNow = new Set(added);
      const evictedNow = new Set(removed);
      announcedRemoved = removed.filter((k) => !addedNow.has(k));
      announcedAdded = added.filter((k) => !evictedNow.has(k));
    }
    if (announcedRemoved.length > 0) this.emit({ type: 'BlockRemoved', blockHashes: announcedRemoved, medium: CPU_MEDIUM });
    if (announcedAdded.length > 0)
      this.emit({
        type: 'BlockStored',
        blockHashes: announcedAdded,
        parentBlockHash: null,
        tokenIds: [],
        blockSize: this.blockSize,
        loraId: null,
        medium: CPU_MEDIUM,
      });
  }
}
