// Which engine holds which blocks in its host-memory (CPU) offload tier, from the KV events vLLM's
// OffloadingConnector publishes with medium "CPU", kept apart from the GPU PrefixIndex so a block evicted
// from GPU memory but still in host memory counts as a (cheaper-than-compute, dearer-than-GPU) hit.
//
// The tier's BlockStored events are tokenless (no parent, no token ids; llm-d's kv-cache-manager and
// Dynamo's router read them the same way): an engine block hash is mapped to the scheduler's own hash
// through the GPU index, which learned it from the GPU store of the same block (vLLM stores a block to
// host memory after computing it in GPU memory). A host store of a block the GPU index never saw is
// skipped and counted.
//
// Composition over the GPU index (not a second medium inside it): prefix-index.ts stays one tier, and
// this file only asks it for the hash mapping (PrefixIndex.ourHashOf).
import type { KvCacheEvent, KvEventBatch } from '../../engine/types.js';
import { BlockHashTable } from './block-hash-table.js';
import { engineHashDigest } from './prefix-hash.js';
import type { ApplyEventsResult, PrefixIndex } from './prefix-index.js';

/** vLLM's medium label of the host-memory offload tier (vllm.v1.kv_offload.mediums CPULoadStoreSpec). */
export const HOST_MEDIUM = 'CPU';

interface HostBlocks {
  /** digest(engine hash) -> our hash. */
  readonly engineToOurs: BlockHashTable;
  /** our hash -> engine blocks carrying it on this worker. */
  readonly held: BlockHashTable;
}

export class HostTierIndex {
  private readonly workers = new Map<string, HostBlocks>();
  /** Host-tier stores skipped because the GPU index did not know the block. */
  skippedUnknown = 0;

  /** Applies the host-medium events of one batch (the GPU part already applied to `gpu`). */
  apply(workerId: string, events: readonly KvCacheEvent[], gpu: PrefixIndex): void {
    let w = this.workers.get(workerId);
    for (const ev of events) {
      if (ev.type === 'BlockStored') {
        w ??= this.addWorker(workerId);
        for (const h of ev.blockHashes) {
          const digest = engineHashDigest(h);
          if (w.engineToOurs.get(digest) !== undefined) continue; // already held (a duplicate announcement)
          const ours = gpu.ourHashOf(workerId, h);
          if (ours === undefined) {
            this.skippedUnknown++;
            continue;
          }
          w.engineToOurs.set(digest, ours);
          w.held.set(ours, (w.held.get(ours) ?? 0) + 1);
        }
      } else if (ev.type === 'BlockRemoved') {
        if (w === undefined) continue;
        for (const h of ev.blockHashes) {
          const digest = engineHashDigest(h);
          const ours = w.engineToOurs.get(digest);
          if (ours === undefined) continue;
          w.engineToOurs.delete(digest);
          const n = w.held.get(ours) ?? 0;
          if (n <= 1) w.held.delete(ours);
          else w.held.set(ours, n - 1);
        }
      } else if (w !== undefined) {
        this.clearWorker(workerId);
      }
    }
  }

  /** Distinct blocks held in host memory, summed over workers (0: no engine has a CPU tier, or it is empty). */
  get heldBlocks(): number {
    let n = 0;
    for (const w of this.workers.values()) n += w.held.size;
    return n;
  }

  /** Consecutive blocks of `blockHashes` from index `from` the worker holds in host memory. */
  matchFrom(workerId: string, blockHashes: ArrayLike<number>, from: number): number {
    const w = this.workers.get(workerId);
    if (w === undefined || w.held.size === 0) return 0;
    let n = 0;
    for (let i = from; i < blockHashes.length && w.held.get(blockHashes[i]!) !== undefined; i++) n++;
    return n;
  }

  workerBlockCount(workerId: string): number {
    return this.workers.get(workerId)?.engineToOurs.size ?? 0;
  }

  clearWorker(workerId: string): void {
    const w = this.workers.get(workerId);
    if (w === undefined) return;
    w.engineToOurs.clear();
    w.held.clear();
  }

  removeWorker(workerId: string): void {
    this.workers.delete(workerId);
  }

  private addWorker(workerId: string): HostBlocks {
    const w: HostBlocks = { engineToOurs: new BlockHashTable(256), held: new BlockHashTable(256) };
    this.workers.set(workerId, w);
    return w;
  }
}

/** Events of the device tier (medium "GPU", or none as vLLM before #19737) and of the host tier. */
export function splitByMedium(batch: KvEventBatch): { readonly device: KvEventBatch; readonly host: readonly KvCacheEvent[] } {
  let host: KvCacheEvent[] | undefined;
  for (const ev of batch.events) if (ev.type !== 'AllBlocksCleared' && ev.medium === HOST_MEDIUM) (host ??= []).push(ev);
  if (host === undefined) return { device: batch, host: [] };
  const device = batch.events.filter((ev) => ev.type === 'AllBlocksCleared' || ev.medium !== HOST_MEDIUM);
  return { device: { ...batch, events: device }, host };
}

/**
 * The engines' KV events into the GPU index and the host tier: what the scheduling feed and the
 * virtual-time fleet call per batch. A batch the GPU index rejects as out of sequence also drops the
 * worker's host-tier entries (the same events were missed).
 */
export function applyTieredKvEvents(
  gpu: PrefixIndex,
  hostTier: HostTierIndex,
  workerId: string,
  seq: number,
  batch: KvEventBatch,
): ApplyEventsResult {
  const { device, host } = splitByMedium(batch);
  const result = gpu.applyEvents(workerId, seq, device);
  if (result.resyncNeeded) hostTier.clearWorker(workerId);
  if (host.length > 0) hostTier.apply(workerId, host, gpu);
  return result;
}
