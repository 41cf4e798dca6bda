// Distinct prompt blocks of the requests in flight on each worker, shared blocks counted once: the
// "active blocks" load of NVIDIA Dynamo's KV router (its ActiveSequences), which dedups a tenant's shared
// prefix across its concurrent requests. Kept by the Scheduler only when a plugin of its config reads it.
//
// Chained block hashes name their whole prefix, so two prompts share a block only if they share their
// first block (up to a 53-bit collision). A request whose first block no other request on its worker has
// is "alone": it adds its block count to a per-worker sum and touches no table, which is the common case
// and saves 2 × (prompt blocks) table updates per request (assign and finish; ~500 each for 8,000 tokens,
// BENCHMARKS.md, scheduler). Requests sharing a first block on a worker keep per-block reference counts
// in that worker's table, as before; a request alone is moved into the table when a second one arrives.
import { BlockHashTable } from './block-hash-table.js';

interface ActiveRequest {
  readonly workerId: string;
  readonly hashes: Float64Array;
  /** Its blocks are reference-counted in the worker's table (else counted in `aloneBlocks`). */
  inTable: boolean;
}

interface WorkerActive {
  /** block hash -> in-flight requests in the table using it. */
  readonly table: BlockHashTable;
  /** Blocks of requests alone (no other request on this worker starts with their first block). */
  aloneBlocks: number;
  /** First block hash -> requests on this worker starting with it. */
  readonly firsts: BlockHashTable;
  /** First block hash -> the request alone with it (absent once a second request shares it). */
  readonly alone: Map<number, ActiveRequest>;
}

export class ActiveBlockTracker {
  private readonly perWorker = new Map<string, WorkerActive>();
  private readonly requests = new Map<string, ActiveRequest>();
  /**
   * First block hash -> in-flight requests (any worker) starting with it: activePrefix answers 0 from this
   * one small, hot table in the common case instead of probing every worker's state.
   */
  private readonly firstBlocks = new BlockHashTable(1024);

  assign(workerId: string, requestId: string, blockHashes: Float64Array): void {
    this.finish(requestId);
    let w = this.perWorker.get(workerId);
    if (!w) {
      w = { table: new BlockHashTable(1024), aloneBlocks: 0, firsts: new BlockHashTable(64), alone: new Map() };
      this.perWorker.set(workerId, w);
    }
    const r: ActiveRequest = { workerId, hashes: blockHashes, inTable: false };
    this.requests.set(requestId, r);
    if (blockHashes.length === 0) return;
    const first = blockHashes[0]!;
    this.firstBlocks.add(first, 1);
    if (w.firsts.add(first, 1) === 1) {
      w.alone.set(first, r);
      w.aloneBlocks += blockHashes.length;
      return;
    }
    const other = w.alone.get(first);
    if (other !== undefined) {
      w.alone.delete(first);
      w.aloneBlocks -= other.hashes.length;
      addAll(w.table, other.hashes, 1);
      other.inTable = true;
    }
    addAll(w.table, blockHashes, 1);
    r.inTable = true;
  }

  /** Idempotent. */
  finish(requestId: string): void {
    const r = this.requests.get(requestId);
    if (!r) return;
    this.requests.delete(requestId);
    const w = this.perWorker.get(r.workerId);
    if (!w || r.hashes.length === 0) return;
    this.release(w, r);
  }

  /** Distinct blocks in use by the worker's in-flight requests. */
  activeBlocks(workerId: string): number {
    const w = this.perWorker.get(workerId);
    return w === undefined ? 0 : w.table.size + w.aloneBlocks;
  }

  /** Leading blocks of the prompt already active on the worker (shared with a request in flight). */
  activePrefix(workerId: string, blockHashes: ArrayLike<number>): number {
    if (blockHashes.length === 0 || this.firstBlocks.get(blockHashes[0]!) === undefined) return 0;
    const w = this.perWorker.get(workerId);
    if (!w) return 0;
    const alone = w.alone.get(blockHashes[0]!);
    let n = 0;
    if (alone !== undefined) {
      const h = alone.hashes;
      while (n < blockHashes.length && n < h.length && h[n] === blockHashes[n]) n++;
      return n;
    }
    while (n < blockHashes.length && w.table.get(blockHashes[n]!) !== undefined) n++;
    return n;
  }

  removeWorker(workerId: string): void {
    this.perWorker.delete(workerId);
    for (const [id, r] of this.requests)
      if (r.workerId === workerId) {
        this.requests.delete(id);
        if (r.hashes.length > 0) this.firstBlocks.add(r.hashes[0]!, -1);
      }
  }

  private release(w: WorkerActive, r: ActiveRequest): void {
    const first = r.hashes[0]!;
    this.firstBlocks.add(first, -1);
    w.firsts.add(first, -1);
    if (r.inTable) addAll(w.table, r.hashes, -1);
    else {
      w.alone.delete(first);
      w.aloneBlocks -= r.hashes.length;
    }
  }
}

function addAll(table: BlockHashTable, hashes: Float64Array, delta: number): void {
  for (let i = 0; i < hashes.length; i++) table.add(hashes[i]!, delta);
}
