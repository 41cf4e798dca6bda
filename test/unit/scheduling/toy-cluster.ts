// A deliberately small virtual-time cluster for policy comparisons in tests (the real SimEngine lives in
// shared/engine): each worker is one FIFO prefill server with an LRU prefix cache of blocks; prefill time
// = fixed overhead + uncached tokens / throughput; decode only holds the request in flight for a fixed
// time. KV events (BlockStored/BlockRemoved) reach the scheduler's index when the engine would send them.
import type { KvCacheEvent } from '../../../shared/engine/types.js';
import { Scheduler, computeBlockHashes, seededRandom, type WorkerSnapshot } from '../../../shared/scheduling/index.js';
import { load } from './fixtures.js';

export interface ToyWorkload {
  readonly tenants: number;
  /** tokens of each tenant's shared prefix (system prompt / document). */
  readonly sharedTokens: number;
  /** tokens unique to each request. */
  readonly uniqueTokens: number;
  readonly requests: number;
  /** requests per second, Poisson. */
  readonly ratePerS: number;
}

export interface ToyCluster {
  readonly workers: number;
  /** blocks per worker's prefix cache. */
  readonly cacheBlocks: number;
  /** prefill tokens per second per worker. */
  readonly prefillTokensPerS: number;
  readonly overheadMs: number;
  readonly decodeMs: number;
}

export interface ToyResult {
  readonly meanTtftMs: number;
  readonly p90TtftMs: number;
  readonly hitRate: number;
}

interface PendingEvent {
  readonly atMs: number;
  readonly run: () => void;
}

export function runToyCluster(configYaml: string, workload: ToyWorkload, cluster: ToyCluster, seed = 1): ToyResult {
  const BS = 16;
  const rng = seededRandom(seed);
  const scheduler = new Scheduler({ config: configYaml, random: seededRandom(seed + 1) });
  const ids = Array.from({ length: cluster.workers }, (_, i) => `w${i}`);
  const caches = new Map(ids.map((id) => [id, new Map<number, true>()]));
  const busyUntil = new Map(ids.map((id) => [id, 0]));
  const queued = new Map(ids.map((id) => [id, [] as number[]])); // end times of admitted prefills
  const seq = new Map(ids.map((id) => [id, 0]));
  const events: PendingEvent[] = [];
  const emit = (id: string, atMs: number, ev: KvCacheEvent) =>
    events.push({
      atMs,
      run: () =>
        scheduler.state.prefixIndex.applyEvents(id, seq.set(id, seq.get(id)! + 1).get(id)!, {
          ts: 0,
          events: [ev],
          dataParallelRank: null,
        }),
    });
  const tenantPrefix = Array.from({ length: workload.tenants }, (_, t) =>
    Array.from({ length: workload.sharedTokens }, (_, i) => 1 + ((t * 7919 + i * 31) % 90_000)),
  );
  const ttfts: number[] = [];
  let hits = 0;
  let nowMs = 0;
  for (let r = 0; r < workload.requests; r++) {
    nowMs += (-Math.log(1 - rng()) / workload.ratePerS) * 1000;
    if (events.length > 1) events.sort((a, b) => a.atMs - b.atMs);
    while (events.length > 0 && events[0]!.atMs <= nowMs) events.shift()!.run();
    const tenant = Math.floor(rng() * workload.tenants);
    const prompt = tenantPrefix[tenant]!.concat(Array.from({ length: workload.uniqueTokens }, () => 90_001 + Math.floor(rng() * 9000)));
    const snapshots: WorkerSnapshot[] = ids.map((id) => {
      const q = queued.get(id)!;
      while (q.length > 0 && q[0]! <= nowMs) q.shift(); // FIFO: end times ascend
      const waiting = q.length;
      return {
        id,
        role: 'both',
        models: ['m'],
        healthy: true,
        loadReportedAtMs: nowMs,
        load: load({ waitingRequests: Math.max(0, waiting - 1), runningRequests: Math.min(1, waiting) }),
      };
    });
    const d = scheduler.decide({ requestId: `r${r}`, model: 'm', tokenIds: prompt, maxTokens: 64, headers: {} }, snapshots, nowMs);
    const id = d.decode.workerId;
    // The engine's own view: consecutive cached blocks from the start, then cache the rest (LRU).
    const cache = caches.get(id)!;
    const hashes = computeBlockHashes(prompt, BS);
    let cached = 0;
    while (cached < hashes.length && cache.has(hashes[cached]!)) cached++;
    if (cached > 0) hits++;
    const start = Math.max(nowMs, busyUntil.get(id)!);
    const end = start + cluster.overheadMs + ((prompt.length - cached * BS) / cluster.prefillTokensPerS) * 1000;
    busyUntil.set(id, end);
    queued.get(id)!.push(end);
    for (const h of hashes) {
      cache.delete(h);
      cache.set(h, true);
    }
    const evicted: string[] = [];
    for (const h of cache.keys()) {
      if (cache.size <= cluster.cacheBlocks) break;
      cache.delete(h);
      evicted.push(`e${h}`);
    }
    const fresh = Array.from(hashes.subarray(cached), (h) => `e${h}`);
    const parent = cached > 0 ? `e${hashes[cached - 1]}` : null;
    emit(id, end, {
      type: 'BlockStored',
      blockHashes: fresh,
      parentBlockHash: parent,
      tokenIds: prompt.slice(cached * BS, hashes.length * BS),
      blockSize: BS,
      loraId: null,
      medium: 'GPU',
    });
    if (evicted.length > 0) emit(id, start, { type: 'BlockRemoved', blockHashes: evicted, medium: 'GPU' });
    const requestId = `r${r}`;
    events.push({ atMs: end, run: () => scheduler.markPrefilled(requestId) });
    events.push({ atMs: end + cluster.decodeMs, run: () => scheduler.finish(requestId) });
    ttfts.push(end - nowMs);
  }
  ttfts.sort((a, b) => a - b);
  return {
    meanTtftMs: ttfts.reduce((a, b) => a + b, 0) / ttfts.length,
    p90TtftMs: ttfts[Math.floor(ttfts.length * 0.9)]!,
    hitRate: hits / workload.requests,
  };
}
