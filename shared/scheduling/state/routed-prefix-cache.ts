// For engines without KV events: which prompt blocks this scheduler routed to which worker, as a bounded
// LRU per worker (a stand-in for the engine's own LRU eviction). Like llm-d's approximate prefix cache
// producer and SGLang's router tree, it guesses: it cannot see evictions caused by other traffic.
//
// Its blocks may be coarser than the scheduler's (llm-d's approximate producer hashes 64-token blocks,
// vLLM's are 16): a routed block of k scheduler blocks is keyed by the scheduler's chained hash of its
// last block, which identifies the whole prefix up to it. Matches are reported in scheduler blocks.

export interface RoutedPrefixOptions {
  /** Scheduler blocks per routed block (default 1). */
  readonly blocksPerEntry?: number;
  /** Routed blocks remembered per worker; 'engine': the worker's num_gpu_blocks when first seen. */
  readonly capacityBlocks?: number | 'engine';
  /** Routed blocks of a prompt considered at most (default: all). */
  readonly maxEntries?: number;
  /**
   * ms an entry counts after it was last routed (default: until evicted): llm-d's speculative indexing,
   * which assumes a routed prompt's blocks are on the chosen worker until its KV events say so.
   */
  readonly ttlMs?: number;
}

/** Capacity used for 'engine' when the worker reports no block count (llm-d's lruCapacityPerServer). */
const FALLBACK_ENGINE_CAPACITY = 31_250;

export class RoutedPrefixCache {
  readonly blocksPerEntry: number;
  readonly capacityBlocks: number | 'engine';
  readonly maxEntries: number;
  readonly ttlMs: number;
  /** worker -> (entry hash -> ms it was last routed), Map insertion order = recency. */
  private readonly perWorker = new Map<string, { readonly capacity: number; readonly lru: Map<number, number> }>();

  constructor(options: RoutedPrefixOptions = {}) {
    this.blocksPerEntry = options.blocksPerEntry ?? 1;
    this.capacityBlocks = options.capacityBlocks ?? 32_768;
    this.maxEntries = options.maxEntries ?? Infinity;
    this.ttlMs = options.ttlMs ?? Infinity;
    if (!(this.ttlMs > 0)) throw new RangeError(`ttlMs must be > 0, got ${this.ttlMs}`);
    if (!Number.isInteger(this.blocksPerEntry) || this.blocksPerEntry < 1)
      throw new RangeError(`blocksPerEntry must be an integer ≥ 1, got ${this.blocksPerEntry}`);
    if (this.capacityBlocks !== 'engine' && (!Number.isInteger(this.capacityBlocks) || this.capacityBlocks < 1))
      throw new RangeError(`capacityBlocks must be an integer ≥ 1 or 'engine', got ${this.capacityBlocks}`);
    if (!(this.maxEntries >= 1)) throw new RangeError(`maxEntries must be ≥ 1, got ${this.maxEntries}`);
  }

  /** Routed blocks of a prompt with these scheduler block hashes (capped at maxEntries). */
  entries(blockHashes: ArrayLike<number>): number {
    return Math.min(Math.floor(blockHashes.length / this.blocksPerEntry), this.maxEntries);
  }

  /**
   * Called after a decision: the worker now (probably) holds these prompt blocks. engineBlocks: the
   * worker's reported num_gpu_blocks, which sizes its LRU the first time it is seen with capacity 'engine'.
   */
  recordRouted(workerId: string, blockHashes: ArrayLike<number>, engineBlocks?: number, nowMs = 0): void {
    let w = this.perWorker.get(workerId);
    if (!w) {
      const capacity =
        this.capacityBlocks !== 'engine'
          ? this.capacityBlocks
          : engineBlocks !== undefined && engineBlocks > 0
            ? engineBlocks
            : FALLBACK_ENGINE_CAPACITY;
      w = { capacity, lru: new Map() };
      this.perWorker.set(workerId, w);
    }
    const lru = w.lru;
    const n = this.entries(blockHashes);
    for (let e = 0; e < n; e++) {
      const h = blockHashes[(e + 1) * this.blocksPerEntry - 1]!;
      lru.delete(h);
      lru.set(h, nowMs);
    }
    if (this.ttlMs !== Infinity) {
      // Oldest first: stop at the first entry still alive.
      for (const [h, at] of lru) {
        if (nowMs - at < this.ttlMs) break;
        lru.delete(h);
      }
    }
    let excess = lru.size - w.capacity;
    if (excess <= 0) return;
    for (const h of lru.keys()) {
      lru.delete(h);
      if (--excess === 0) break;
    }
  }

  /** worker id -> leading prompt blocks routed there, in scheduler blocks (only workers with ≥ 1). */
  matchPrefix(blockHashes: ArrayLike<number>, nowMs = 0): Map<string, number> {
    const result = new Map<string, number>();
    const n = this.entries(blockHashes);
    const k = this.blocksPerEntry;
    const oldest = nowMs - this.ttlMs;
    for (const [workerId, { lru }] of this.perWorker) {
      let e = 0;
      for (; e < n; e++) {
        const at = lru.get(blockHashes[(e + 1) * k - 1]!);
        if (at === undefined || at <= oldest) break;
      }
      if (e > 0) result.set(workerId, e * k);
    }
    return result;
  }

  /** Routed blocks remembered for a worker. */
  sizeOf(workerId: string): number {
    return this.perWorker.get(workerId)?.lru.size ?? 0;
  }

  removeWorker(workerId: string): void {
    this.perWorker.delete(workerId);
  }
}
