// For engines without KV events: which prompt blocks this scheduler routed to which worker, as a bounded
// LRU per worker (a stand-in for the engine's own LRU eviction). Like llm-d's approximate prefix scorer
// and Dynamo's ApproxKvIndexer, it guesses: it cannot see evictions caused by other traffic.

export class RoutedPrefixCache {
  /** Blocks remembered per worker; set near the engine's KV capacity (num_gpu_blocks). */
  readonly capacityBlocks: number;
  /** worker -> (our block hash -> true), Map insertion order = recency. */
  private readonly perWorker = new Map<string, Map<number, true>>();

  constructor(options: { capacityBlocks?: number } = {}) {
    this.capacityBlocks = options.capacityBlocks ?? 32_768;
    if (!Number.isInteger(this.capacityBlocks) || this.capacityBlocks < 1)
      throw new RangeError(`capacityBlocks must be an integer ≥ 1, got ${this.capacityBlocks}`);
  }

  /** Called after a decision: the worker now (probably) holds these prompt blocks. */
  recordRouted(workerId: string, blockHashes: ArrayLike<number>): void {
    let lru = this.perWorker.get(workerId);
    if (!lru) {
      lru = new Map();
      this.perWorker.set(workerId, lru);
    }
    for (let i = 0; i < blockHashes.length; i++) {
      const h = blockHashes[i]!;
      lru.delete(h);
      lru.set(h, true);
    }
    let excess = lru.size - this.capacityBlocks;
    if (excess <= 0) return;
    for (const h of lru.keys()) {
      lru.delete(h);
      if (--excess === 0) break;
    }
  }

  /** worker id -> leading prompt blocks routed there (only workers with ≥ 1). */
  matchPrefix(blockHashes: ArrayLike<number>): Map<string, number> {
    const result = new Map<string, number>();
    for (const [workerId, lru] of this.perWorker) {
      let n = 0;
      while (n < blockHashes.length && lru.has(blockHashes[n]!)) n++;
      if (n > 0) result.set(workerId, n);
    }
    return result;
  }

  /** Blocks remembered for a worker (SGLang's router prefers the smallest tree when nothing matches). */
  sizeOf(workerId: string): number {
    return this.perWorker.get(workerId)?.size ?? 0;
  }

  removeWorker(workerId: string): void {
    this.perWorker.delete(workerId);
  }
}
