// Reference-counts an engine's stored block hashes so that a BlockRemoved reaches the prefix index only
// when the engine's LAST copy of a hash is evicted.
//
// Why: vLLM (and SimEngine, which follows it) may hold several physical blocks with one hash, when
// requests sharing a prefix compute it at the same time; each copy is announced by BlockStored and its
// eviction by BlockRemoved. PrefixIndex (shared/scheduling) maps an engine hash to one entry and drops it
// at the first BlockRemoved, so the engine still holds the block while the index has forgotten it; the
// next BlockStored naming it as parent is then an "unknown parent" and the index drops the whole worker.
// On llmd-shared-prefix that happened ~11,000 times per run. Until the index counts copies itself,
// the harness passes events through this filter (idempotent once it does); --raw-kv-events turns it off.
import type { KvCacheEvent, KvEventBatch } from '../../shared/engine/types.js';

export class KvEventRefcount {
  private readonly copies = new Map<string, number>();

  /** The batch as the index should see it (the same object when nothing is filtered). */
  filter(batch: KvEventBatch): KvEventBatch {
    let changed = false;
    const events: KvCacheEvent[] = [];
    for (const ev of batch.events) {
      if (ev.type === 'BlockStored') {
        for (const h of ev.blockHashes) this.copies.set(h, (this.copies.get(h) ?? 0) + 1);
        events.push(ev);
      } else if (ev.type === 'BlockRemoved') {
        const gone: string[] = [];
        for (const h of ev.blockHashes) {
          const n = this.copies.get(h) ?? 0;
          if (n <= 1) {
            this.copies.delete(h);
            gone.push(h);
          } else this.copies.set(h, n - 1);
        }
        if (gone.length !== ev.blockHashes.length) changed = true;
        if (gone.length > 0) events.push(gone.length === ev.blockHashes.length ? ev : { ...ev, blockHashes: gone });
      } else {
        this.copies.clear();
        events.push(ev);
      }
    }
    return changed ? { ...batch, events } : batch;
  }
}
