// Which engine holds which prompt blocks, built from the engines' KV events (vLLM KVEventBatch).
//
// Keys are the scheduler's own chained block hashes (prefix-hash.ts); a per-worker map translates the
// engine's block hash to ours, so the index never depends on an engine's hash function or seed.
// Memory, for 1e6 blocks over 64+ engines without a per-block object:
//   owners:     BlockOwners, our hash -> bitmask over worker slots
//   per worker: BlockHashTable digest(engine hash) -> our hash (needed anyway to apply BlockRemoved).
import type { EngineBlockHash, KvEventBatch } from '../../engine/types.js';
import { BlockHashTable } from './block-hash-table.js';
import { BlockOwners } from './block-owners.js';
import { ROOT_PARENT_HASH, chainBlockHash, computeBlockHashes, engineHashDigest } from './prefix-hash.js';

export interface ApplyEventsResult {
  /** true when this worker's entries were dropped and the service should ask the engine for a full resync. */
  readonly resyncNeeded: boolean;
  readonly reason?: string;
}

/** Serializable ownership of one worker, for the JetStream KV bucket a fresh replica reads at start. */
export interface WorkerOwnership {
  readonly workerId: string;
  readonly blockSize: number;
  /** Sequence number of the last batch reflected in this snapshot, null if none. */
  readonly lastSeq: number | null;
  /** Parallel arrays: the engine block hash with digest i (engineHashDigest) maps to our block hash i. */
  readonly engineHashDigests: readonly number[];
  readonly blockHashes: readonly number[];
}

export interface PrefixIndexStats {
  readonly distinctBlocks: number;
  /** Sum over workers of the blocks each holds. */
  readonly workerBlocks: number;
  readonly workers: number;
  /** BlockStored events skipped because the engine's block size differs from the index's. */
  readonly skippedBlockSizeMismatch: number;
  /** Bytes of the index's typed arrays (hash tables and owner masks): nearly all of its memory. */
  readonly tableBytes: number;
}

interface WorkerBlocks {
  readonly slot: number;
  lastSeq: number | null;
  /** After importOwnership: batches with seq ≤ this are already reflected and skipped. */
  importedUpTo: number | null;
  /** digest(engine hash) -> our hash. */
  readonly engineToOurs: BlockHashTable;
  /** Our hashes reached by more than one engine hash on this worker (extra reference counts). */
  readonly extraRefs: Map<number, number>;
  /**
   * digest(engine hash) -> copies beyond the first. vLLM may hold several physical blocks with one hash
   * (requests sharing a prefix computed it at the same time) and announces each BlockStored and each
   * BlockRemoved; the block stays cached until its last copy is evicted.
   */
  readonly copies: Map<number, number>;
}

export class PrefixIndex {
  readonly blockSize: number;
  private readonly owners = new BlockOwners();
  private readonly workers = new Map<string, WorkerBlocks>();
  private readonly slotWorkers: (string | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  private skippedBlockSize = 0;

  /** blockSize: tokens per block, must equal the engines' block size (vLLM default 16). */
  constructor(options: { blockSize?: number } = {}) {
    this.blockSize = options.blockSize ?? 16;
    if (!Number.isInteger(this.blockSize) || this.blockSize < 1)
      throw new RangeError(`blockSize must be an integer ≥ 1, got ${this.blockSize}`);
  }

  blockHashes(tokenIds: ArrayLike<number>): Float64Array {
    return computeBlockHashes(tokenIds, this.blockSize);
  }

  /** Applies one KV event batch of a worker. Sequence numbers must go up by one per batch. */
  applyEvents(workerId: string, seq: number, batch: KvEventBatch): ApplyEventsResult {
    const w = this.workers.get(workerId) ?? this.addWorker(workerId);
    let reason: string | undefined;
    if (w.importedUpTo !== null) {
      if (seq <= w.importedUpTo) return { resyncNeeded: false };
      w.importedUpTo = null; // first batch after the snapshot: gaps cannot be told apart from staleness
    } else if (w.lastSeq !== null) {
      if (seq === w.lastSeq) return { resyncNeeded: false }; // redelivery
      if (seq < w.lastSeq) reason = `sequence went backwards (${w.lastSeq} -> ${seq}): engine restarted`;
      else if (seq > w.lastSeq + 1) reason = `sequence gap (${w.lastSeq} -> ${seq}): events missed`;
      if (reason) this.clearWorker(w);
    }
    w.lastSeq = seq;
    for (const ev of batch.events) {
      if (ev.type === 'BlockStored') {
        if (ev.blockSize !== this.blockSize) {
          this.skippedBlockSize++;
          continue;
        }
        let parent: number | undefined =
          ev.parentBlockHash === null ? ROOT_PARENT_HASH : w.engineToOurs.get(engineHashDigest(ev.parentBlockHash));
        if (parent === undefined) {
          if (!reason) {
            reason = `unknown parent block ${ev.parentBlockHash}: events missed`;
            this.clearWorker(w);
          }
          continue;
        }
        const n = Math.min(ev.blockHashes.length, Math.floor(ev.tokenIds.length / this.blockSize));
        for (let i = 0; i < n; i++) {
          parent = chainBlockHash(parent, ev.tokenIds, i * this.blockSize, this.blockSize);
          this.store(w, engineHashDigest(ev.blockHashes[i]!), parent);
        }
      } else if (ev.type === 'BlockRemoved') {
        for (const h of ev.blockHashes) {
          const digest = engineHashDigest(h);
          const extraCopies = w.copies.get(digest);
          if (extraCopies !== undefined) {
            // Another copy of this block is still cached on the engine.
            if (extraCopies <= 1) w.copies.delete(digest);
            else w.copies.set(digest, extraCopies - 1);
            continue;
          }
          const ours = w.engineToOurs.get(digest);
          if (ours === undefined) continue; // stored before a resync, or never seen
          w.engineToOurs.delete(digest);
          this.release(w, ours);
        }
      } else {
        this.clearWorker(w);
      }
    }
    return reason ? { resyncNeeded: true, reason } : { resyncNeeded: false };
  }

  /** Forgets a worker entirely (deregistered or dead). */
  removeWorker(workerId: string): void {
    const w = this.workers.get(workerId);
    if (!w) return;
    this.clearWorker(w);
    this.workers.delete(workerId);
    this.slotWorkers[w.slot] = undefined;
    this.freeSlots.push(w.slot);
  }

  /**
   * Drops a worker's entries but keeps its slot and sequence number, as a resync does: its entries
   * rebuild from later events (a BlockStored whose parent is gone resyncs again).
   */
  dropWorkerEntries(workerId: string): void {
    const w = this.workers.get(workerId);
    if (w) this.clearWorker(w);
  }

  /** worker id -> number of leading prompt blocks it holds (only workers holding ≥ 1). */
  matchPrefix(blockHashes: ArrayLike<number>): Map<string, number> {
    const result = new Map<string, number>();
    this.owners.matchPrefix(blockHashes, (slot, blocks) => {
      const id = this.slotWorkers[slot];
      if (id !== undefined) result.set(id, blocks);
    });
    return result;
  }

  /** The scheduler's hash of an engine block the worker announced (host-tier-index.ts maps its tokenless stores with it). */
  ourHashOf(workerId: string, engineHash: EngineBlockHash): number | undefined {
    return this.workers.get(workerId)?.engineToOurs.get(engineHashDigest(engineHash));
  }

  /** Blocks a worker holds. */
  workerBlockCount(workerId: string): number {
    return this.workers.get(workerId)?.engineToOurs.size ?? 0;
  }

  /** Workers the index has entries or a sequence number for. */
  get workerCount(): number {
    return this.workers.size;
  }

  workerIds(): string[] {
    return [...this.workers.keys()];
  }

  stats(): PrefixIndexStats {
    let workerBlocks = 0;
    for (const w of this.workers.values()) workerBlocks += w.engineToOurs.size;
    let tableBytes = this.owners.byteLength;
    for (const w of this.workers.values()) tableBytes += w.engineToOurs.byteLength;
    return {
      distinctBlocks: this.owners.size,
      workerBlocks,
      workers: this.workers.size,
      skippedBlockSizeMismatch: this.skippedBlockSize,
      tableBytes,
    };
  }

  exportOwnership(workerId: string): WorkerOwnership | undefined {
    const w = this.workers.get(workerId);
    if (!w) return undefined;
    const engineHashDigests: number[] = [];
    const blockHashes: number[] = [];
    w.engineToOurs.forEach((ours, digest) => {
      engineHashDigests.push(digest);
      blockHashes.push(ours);
    });
    return {
      workerId,
      blockSize: this.blockSize,
      lastSeq: w.lastSeq ?? (w.importedUpTo === -Infinity ? null : w.importedUpTo),
      engineHashDigests,
      blockHashes,
    };
  }

  /**
   * Replaces a worker's entries with a snapshot. Later batches with seq ≤ snapshot.lastSeq are skipped; the
   * first later batch is accepted whatever its seq (the snapshot may lag; a BlockStored whose parent the
   * snapshot lacks still triggers a resync).
   */
  importOwnership(snapshot: WorkerOwnership): void {
    if (snapshot.blockSize !== this.blockSize)
      throw new RangeError(`ownership of ${snapshot.workerId} has block size ${snapshot.blockSize}, index uses ${this.blockSize}`);
    if (snapshot.engineHashDigests.length !== snapshot.blockHashes.length)
      throw new RangeError(`ownership of ${snapshot.workerId}: engineHashDigests and blockHashes differ in length`);
    const w = this.workers.get(snapshot.workerId) ?? this.addWorker(snapshot.workerId);
    this.clearWorker(w);
    for (let i = 0; i < snapshot.engineHashDigests.length; i++) this.store(w, snapshot.engineHashDigests[i]!, snapshot.blockHashes[i]!);
    w.lastSeq = null;
    w.importedUpTo = snapshot.lastSeq ?? -Infinity;
  }

  private addWorker(workerId: string): WorkerBlocks {
    const slot = this.freeSlots.pop() ?? this.slotWorkers.length;
    this.owners.ensureSlots(slot + 1);
    this.slotWorkers[slot] = workerId;
    const w: WorkerBlocks = {
      slot,
      lastSeq: null,
      importedUpTo: null,
      engineToOurs: new BlockHashTable(256),
      extraRefs: new Map(),
      copies: new Map(),
    };
    this.workers.set(workerId, w);
    return w;
  }

  private store(w: WorkerBlocks, digest: number, ours: number): void {
    const previous = w.engineToOurs.get(digest);
    if (previous === ours) {
      w.copies.set(digest, (w.copies.get(digest) ?? 0) + 1);
      return;
    }
    if (previous !== undefined) this.release(w, previous);
    w.engineToOurs.set(digest, ours);
    if (!this.owners.add(ours, w.slot)) w.extraRefs.set(ours, (w.extraRefs.get(ours) ?? 0) + 1);
  }

  private release(w: WorkerBlocks, ours: number): void {
    const extra = w.extraRefs.get(ours);
    if (extra !== undefined) {
      if (extra <= 1) w.extraRefs.delete(ours);
      else w.extraRefs.set(ours, extra - 1);
      return;
    }
    this.owners.remove(ours, w.slot);
  }

  private clearWorker(w: WorkerBlocks): void {
    w.engineToOurs.forEach((ours) => this.owners.remove(ours, w.slot));
    w.engineToOurs.clear();
    w.extraRefs.clear();
    w.copies.clear();
  }
}
