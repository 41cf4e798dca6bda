import type { KvCacheEvent, KvEventBatch, KvEventListener } from '../types.js';

/**
 * Gathers KV events as the KV cache produces them and publishes them as one KvEventBatch per engine
 * step, as vLLM's KV event publisher does (ts: seconds on the engine clock).
 */
export class KvEventBus {
  private readonly listeners = new Set<KvEventListener>();
  private pending: KvCacheEvent[] = [];

  constructor(
    private readonly dataParallelRank: number | null,
    /** Clock ms. */
    private readonly now: () => number,
  ) {}

  push(event: KvCacheEvent): void {
    this.pending.push(event);
  }

  subscribe(listener: KvEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Publishes what was gathered since the last flush; nothing when nothing happened. */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch: KvEventBatch = { ts: this.now() / 1000, events: this.pending, dataParallelRank: this.dataParallelRank };
    this.pending = [];
    for (const listener of this.listeners) listener(batch);
  }
}
