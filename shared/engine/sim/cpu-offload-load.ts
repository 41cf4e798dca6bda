// Loads of offloaded KV back into GPU memory (vLLM's OffloadingConnector load path): the request's GPU
// blocks for the host-memory hit are allocated at once, the copy takes bytes per GPU / PCIe bandwidth
// (every GPU of the tensor-parallel group copies its own shard at the same time), and the request waits
// off the batch meanwhile (WAITING_FOR_REMOTE_KVS), then computes only what follows the hit.
import type { Clock } from '../../clock/index.js';
import type { KvCache, PrefixHit } from './kv-cache.js';
import { RequestStatus, type SimRequest } from './sim-request.js';
import { RemotePull } from './step-scheduler.js';

export class CpuOffloadLoads {
  /** Request id -> cancel of its load timer. */
  private readonly loads = new Map<string, () => void>();
  /** Tokens loaded from host memory so far. */
  loadedTokens = 0;

  constructor(
    private readonly kv: KvCache,
    private readonly clock: Clock,
    /** KV bytes per token on each GPU. */
    private readonly bytesPerTokenPerGpu: number,
    /** bytes/s per GPU. */
    private readonly pcieBandwidth: number,
    /** Called when a load landed: the engine may schedule again. */
    private readonly onChange: () => void,
  ) {
    if (!(pcieBandwidth > 0)) throw new RangeError(`CPU offload PCIe bandwidth must be > 0, got ${pcieBandwidth}`);
  }

  /** ms to load `tokens` tokens of KV from host memory. */
  loadMs(tokens: number): number {
    return ((tokens * this.bytesPerTokenPerGpu) / this.pcieBandwidth) * 1000;
  }

  /** Starts loading the host-memory part of `hit` (hit.numExternalBlocks > 0); Blocked when GPU blocks lack. */
  start(request: SimRequest, hit: PrefixHit): RemotePull {
    const bs = this.kv.blockSize;
    const external = (hit.numExternalBlocks ?? 0) * bs;
    if (external <= 0) return RemotePull.Ready;
    const gpuHit: PrefixHit = { blocks: hit.blocks, numTokens: hit.blocks.length * bs };
    if (!this.kv.allocateSlots(request, external, gpuHit, true)) return RemotePull.Blocked;
    request.status = RequestStatus.WaitingForRemoteKv;
    request.remoteKvLoaded = false;
    if (request.numCachedTokens < 0) request.numCachedTokens = hit.numTokens;
    if (request.firstScheduledMs === null) request.firstScheduledMs = this.clock.now();
    const id = request.requestId;
    this.loads.set(
      id,
      this.clock.setTimer(this.loadMs(external), () => {
        this.loads.delete(id);
        if (request.status !== RequestStatus.WaitingForRemoteKv) return;
        request.numComputedTokens = hit.numTokens;
        this.kv.cacheBlocks(request, hit.numTokens);
        this.loadedTokens += external;
        request.remoteKvLoaded = true;
        request.status = RequestStatus.Waiting;
        this.onChange();
      }),
    );
    return RemotePull.Started;
  }

  cancel(requestId: string): void {
    const cancel = this.loads.get(requestId);
    if (cancel === undefined) return;
    cancel();
    this.loads.delete(requestId);
  }

  close(): void {
    for (const cancel of this.loads.values()) cancel();
    this.loads.clear();
  }
}
