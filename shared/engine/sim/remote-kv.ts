// P/D disaggregation with vLLM NixlConnector semantics.
// Prefill side (do_remote_decode): the request runs prefill only and emits one token; its blocks stay
// pinned, unevictable, until the decode side says it pulled them (releaseRemoteBlocks) or the lease
// expires, and the finish carries the kv_transfer_params the decode side needs.
// Decode side (do_remote_prefill): the prompt's full blocks not already cached locally are pulled over
// the link (transfer time = KV bytes per GPU / link bandwidth, all GPUs pulling their shards in parallel)
// instead of computed; the request waits off the batch meanwhile (WAITING_FOR_REMOTE_KVS), then computes
// only the prompt's last partial block and decodes.
import type { Clock } from '../../clock/index.js';
import type { KvTransferParams } from '../types.js';
import { kvBytesPerTokenPerGpu } from './kv-capacity.js';
import type { KvCache, PrefixHit } from './kv-cache.js';
import type { EngineProfile } from './profile.js';
import { RequestStatus, type SimRequest } from './sim-request.js';
import { RemotePull } from './step-scheduler.js';

export interface RemoteKvOptions {
  readonly engineId: string;
  readonly host: string;
  readonly port: number;
  /** ms a finished prefill keeps its blocks for the decode side. */
  readonly leaseMs: number;
  /** bytes/s per GPU. */
  readonly linkBandwidth: number;
  /** Called when blocks were freed or a pull landed: the engine may schedule again. */
  readonly onChange: () => void;
}

export class RemoteKv {
  /** Prefill side: request id -> cancel of its lease timer. */
  private readonly pinned = new Map<string, () => void>();
  /** Decode side: request id -> cancel of its transfer timer. */
  private readonly pulls = new Map<string, () => void>();
  private readonly bytesPerToken: number;

  constructor(
    private readonly kv: KvCache,
    private readonly profile: EngineProfile,
    private readonly clock: Clock,
    private readonly options: RemoteKvOptions,
  ) {
    if (!(options.linkBandwidth > 0)) throw new RangeError(`kvLinkBandwidth must be > 0, got ${options.linkBandwidth}`);
    if (!(options.leaseMs >= 0)) throw new RangeError(`remoteBlockLeaseMs must be >= 0, got ${options.leaseMs}`);
    this.bytesPerToken = kvBytesPerTokenPerGpu(profile);
  }

  isPinned(requestId: string): boolean {
    return this.pinned.has(requestId);
  }

  get numPinned(): number {
    return this.pinned.size;
  }

  /** Prefill side, at finish: pins the request's blocks and returns the params for the decode side. */
  pin(request: SimRequest): KvTransferParams {
    const id = request.requestId;
    // Like NixlConnector, only the prompt's full blocks are offered; the decode side recomputes the rest.
    const fullBlocks = Math.floor(request.numPromptTokens / this.kv.blockSize);
    const blockIds = this.kv.blockIds(id).slice(0, fullBlocks);
    this.pinned.set(
      id,
      this.clock.setTimer(this.options.leaseMs, () => this.release(id)),
    );
    return {
      do_remote_prefill: true,
      do_remote_decode: false,
      remote_engine_id: this.options.engineId,
      remote_block_ids: blockIds,
      remote_host: this.options.host,
      remote_port: this.options.port,
      remote_request_id: id,
      tp_size: this.profile.tensorParallelSize,
    };
  }

  /** Frees a pinned request's blocks (decode side done, or lease expired). */
  release(requestId: string): boolean {
    const cancel = this.pinned.get(requestId);
    if (cancel === undefined) return false;
    cancel();
    this.pinned.delete(requestId);
    this.kv.free(requestId);
    this.options.onChange();
    return true;
  }

  /** Decode side, at first scheduling: allocates blocks for the pulled tokens and starts the transfer. */
  startPull(request: SimRequest, hit: PrefixHit): RemotePull {
    const bs = this.kv.blockSize;
    // Full prompt blocks, leaving at least one token to compute for the first logits.
    const pulledEnd = Math.floor((request.numPromptTokens - 1) / bs) * bs;
    const external = pulledEnd - hit.numTokens;
    if (external <= 0) {
      request.remoteKvLoaded = true;
      return RemotePull.Ready;
    }
    if (!this.kv.allocateSlots(request, external, hit, true)) return RemotePull.Blocked;
    request.status = RequestStatus.WaitingForRemoteKv;
    request.numRemoteTokens = external;
    request.numCachedTokens = hit.numTokens + external;
    if (request.firstScheduledMs === null) request.firstScheduledMs = this.clock.now();
    const ms = ((external * this.bytesPerToken) / this.options.linkBandwidth) * 1000;
    const id = request.requestId;
    this.pulls.set(
      id,
      this.clock.setTimer(ms, () => {
        this.pulls.delete(id);
        if (request.status !== RequestStatus.WaitingForRemoteKv) return;
        request.numComputedTokens = pulledEnd;
        this.kv.cacheBlocks(request, pulledEnd);
        request.remoteKvLoaded = true;
        request.status = RequestStatus.Waiting;
        this.options.onChange();
      }),
    );
    return RemotePull.Started;
  }

  cancelPull(requestId: string): void {
    const cancel = this.pulls.get(requestId);
    if (cancel === undefined) return;
    cancel();
    this.pulls.delete(requestId);
  }

  close(): void {
    for (const cancel of this.pinned.values()) cancel();
    for (const cancel of this.pulls.values()) cancel();
    this.pinned.clear();
    this.pulls.clear();
  }
}
