// Distinct prompt blocks of the requests in flight on each worker, shared blocks counted once: the
// "active blocks" load of NVIDIA Dynamo's KV router (its ActiveSequences), which dedups a tenant's shared
// prefix across its concurrent requests. Kept by the Scheduler only when a plugin of its config reads it.
import { BlockHashTable } from './block-hash-table.js';

export class ActiveBlockTracker {
  /** worker -> (block hash -> number of in-flight requests using it). */
  private readonly perWorker = new Map<string, BlockHashTable>();
  private readonly requests = new Map<string, { readonly workerId: string; readonly hashes: Float64Array }>();

  assign(workerId: string, requestId: string, blockHashes: Float64Array): void {
    this.finish(requestId);
    let table = this.perWorker.get(workerId);
    if (!table) {
      table = new BlockHashTable(1024);
      this.perWorker.set(workerId, table);
    }
    for (let i = 0; i < blockHashes.length; i++) table.add(blockHashes[i]!, 1);
    this.requests.set(requestId, { workerId, hashes: blockHashes });
  }

  /** Idempotent. */
  finish(requestId: string): void {
    const r = this.requests.get(requestId);
    if (!r) return;
    this.requests.delete(requestId);
    const table = this.perWorker.get(r.workerId);
    if (!table) return;
    const hashes = r.hashes;
    for (let i = 0; i < hashes.length; i++) table.add(hashes[i]!, -1);
  }

  /** Distinct blocks in use by the worker's in-flight requests. */
  activeBlocks(workerId: string): number {
    return this.perWorker.get(workerId)?.size ?? 0;
  }

  /** Leading blocks of the prompt already active on the worker (shared with a request in flight). */
  activePrefix(workerId: string, blockHashes: ArrayLike<number>): number {
    const table = this.perWorker.get(workerId);
    if (!table) return 0;
    let n = 0;
    while (n < blockHashes.length && table.get(blockHashes[n]!) !== undefined) n++;
    return n;
  }

  removeWorker(workerId: string): void {
    this.perWorker.delete(workerId);
    for (const [id, r] of this.requests) if (r.workerId === workerId) this.requests.delete(id);
  }
}
