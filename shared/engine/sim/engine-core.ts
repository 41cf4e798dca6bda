// SimEngineCore: one simulated vLLM v1 replica driven by a Clock. Each engine step schedules (see
// StepScheduler), takes the latency model's time on the clock, then emits one token per request whose
// KV is fully computed, finishes requests, and publishes the step's KV events as one KvEventBatch.
import type { Registry } from 'prom-client';
import { RealClock, type Clock } from '../../clock/index.js';
import { EngineError, FinishReason, type EngineLoad, type KvCacheEvent, type KvEventListener, type KvTransferParams } from '../types.js';
import { EOS_TOKEN_ID } from '../../tokenizer/index.js';
import { noneHash } from './block-hash-chain.js';
import type { CoreCallbacks, CoreRequest, SimEngineCoreOptions } from './core-types.js';
import { CpuOffloadLoads } from './cpu-offload-load.js';
import { CpuOffloadTier, DEFAULT_PCIE_BANDWIDTH } from './cpu-offload-tier.js';
import { kvBytesPerTokenPerGpu, numGpuBlocksFor } from './kv-capacity.js';
import { KvCache } from './kv-cache.js';
import { KvEventBus } from './kv-event-bus.js';
import { LatencyModel } from './latency-model.js';
import type { EngineProfile } from './profile.js';
import { DEFAULT_PROFILE_NAME, resolveProfile } from './profile-registry.js';
import { RemoteKv } from './remote-kv.js';
import { admitRequest, type AdmissionLimits } from './request-admission.js';
import { SeededRandom } from '../../random/index.js';
import { RequestStatus, type SimRequest } from './sim-request.js';
import { type ScheduledStep, StepScheduler } from './step-scheduler.js';
import { VllmMetrics } from './vllm-metrics.js';

interface Entry {
  readonly request: SimRequest;
  readonly callbacks: CoreCallbacks;
}

export class SimEngineCore {
  readonly profile: EngineProfile;
  readonly clock: Clock;
  readonly model: string;
  readonly blockSize: number;
  readonly numGpuBlocks: number;
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
  readonly kv: KvCache;
  private readonly scheduler: StepScheduler;
  private readonly latency: LatencyModel;
  private readonly remote: RemoteKv;
  /** The host-memory offload pool and its loads; undefined without SimEngineCoreOptions.cpuOffload. */
  readonly cpuTier: CpuOffloadTier | undefined;
  private readonly cpuLoads: CpuOffloadLoads | undefined;
  /** Undefined when created with vllmMetrics: false. */
  private readonly metrics: VllmMetrics | undefined;
  private readonly jitter: SeededRandom;
  private readonly admission: AdmissionLimits;
  private readonly events: KvEventBus;
  private readonly entries = new Map<string, Entry>();
  /** Requests aborted during a step: their blocks are freed when the step ends. */
  private pendingFrees: string[] = [];
  private kickTimer: (() => void) | null = null;
  private stepTimer: (() => void) | null = null;
  private inStep = false;
  private closed = false;
  /** Intended end (clock ms) of the step that just ended, when the next one follows back to back. */
  private chainFrom: number | null = null;
  /** Engine steps run so far. */
  steps = 0;

  constructor(options: SimEngineCoreOptions = {}) {
    this.profile = resolveProfile(options.profile ?? DEFAULT_PROFILE_NAME, options.overrides);
    this.clock = options.clock ?? new RealClock();
    const seed = options.seed ?? 0;
    this.blockSize = options.blockSize ?? 16;
    this.model = options.model ?? this.profile.model.name;
    this.maxNumSeqs = options.maxNumSeqs ?? this.profile.maxNumSeqs;
    this.maxNumBatchedTokens = options.maxNumBatchedTokens ?? this.profile.maxNumBatchedTokens;
    for (const [field, v] of [
      ['blockSize', this.blockSize],
      ['maxNumSeqs', this.maxNumSeqs],
      ['maxNumBatchedTokens', this.maxNumBatchedTokens],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`SimEngine option ${field} must be a positive integer, got ${v}`);
    }
    this.numGpuBlocks = options.overrides?.numGpuBlocks ?? numGpuBlocksFor(this.profile, this.blockSize);
    this.events = new KvEventBus(options.dataParallelRank ?? null, () => this.clock.now());
    this.jitter = new SeededRandom(seed ^ 0x5eed);
    const emit = (e: KvCacheEvent): void => this.events.push(e);
    const bytesPerTokenPerGpu = kvBytesPerTokenPerGpu(this.profile);
    if (options.cpuOffload !== undefined) {
      if (options.externalKv !== undefined) throw new RangeError('SimEngine options cpuOffload and externalKv exclude each other');
      const bytesPerBlock = bytesPerTokenPerGpu * this.profile.tensorParallelSize * this.blockSize;
      this.cpuTier = new CpuOffloadTier(Math.floor(options.cpuOffload.bytes / bytesPerBlock), this.blockSize, emit);
    }
    this.kv = new KvCache(this.numGpuBlocks, this.blockSize, emit, options.externalKv ?? this.cpuTier);
    if (options.cpuOffload !== undefined)
      this.cpuLoads = new CpuOffloadLoads(
        this.kv,
        this.clock,
        bytesPerTokenPerGpu,
        options.cpuOffload.pcieBandwidth ?? DEFAULT_PCIE_BANDWIDTH,
        () => this.kick(),
      );
    this.latency = new LatencyModel(this.profile);
    this.remote = new RemoteKv(this.kv, this.profile, this.clock, {
      engineId: options.engineId ?? 'sim-engine',
      host: options.kvTransferHost ?? 'localhost',
      port: options.kvTransferPort ?? 5600,
      leaseMs: options.remoteBlockLeaseMs ?? 30_000,
      linkBandwidth: options.kvLinkBandwidth ?? 50e9,
      onChange: () => this.kick(),
    });
    this.scheduler = new StepScheduler(
      this.kv,
      { maxNumSeqs: this.maxNumSeqs, maxNumBatchedTokens: this.maxNumBatchedTokens },
      (request, hit) => this.remote.startPull(request, hit),
      () => this.clock.now(),
      this.cpuLoads !== undefined ? (request, hit) => this.cpuLoads!.start(request, hit) : undefined,
    );
    this.admission = {
      maxModelLen: this.profile.model.maxModelLen,
      kvCacheTokens: this.kvCacheTokens,
      blockSize: this.blockSize,
      seed,
      rootHash: noneHash(options.hashSeed ?? seed),
    };
    if (options.vllmMetrics ?? true) {
      this.metrics = new VllmMetrics(
        {
          modelName: this.model,
          blockSize: this.blockSize,
          numGpuBlocks: this.numGpuBlocks,
          gpuMemoryUtilization: this.profile.gpuMemoryUtilization,
        },
        () => this.load(),
      );
    }
  }

  /** Tokens the KV cache holds (usable blocks × block size). */
  get kvCacheTokens(): number {
    return (this.numGpuBlocks - 1) * this.blockSize;
  }

  /** Queues a request; throws EngineError for one that can never run (empty, too long, duplicate id, closed). */
  submit(req: CoreRequest, callbacks: CoreCallbacks): void {
    if (this.closed) throw new EngineError('engine is closed', true);
    if (this.entries.has(req.requestId) || this.remote.isPinned(req.requestId)) {
      throw new EngineError(`request ${req.requestId}: id already in use`, false);
    }
    const request = admitRequest(req, this.admission, this.clock.now());
    this.entries.set(req.requestId, { request, callbacks });
    this.scheduler.add(request);
    this.kick();
  }

  /** Ends a request now (finishReason 'abort' unless given, e.g. 'stop' for a stop string); false if unknown. */
  abort(requestId: string, reason: FinishReason = FinishReason.Abort): boolean {
    const entry = this.entries.get(requestId);
    if (entry === undefined) return false;
    this.scheduler.remove(entry.request);
    this.remote.cancelPull(requestId);
    this.cpuLoads?.cancel(requestId);
    if (this.inStep) this.pendingFrees.push(requestId);
    else this.kv.free(requestId);
    this.finish(entry, reason);
    if (!this.inStep) this.kick();
    return true;
  }

  /** P/D prefill side: the decode side has pulled the blocks (NixlConnector's notification). */
  releaseRemoteBlocks(requestId: string): boolean {
    return this.remote.release(requestId);
  }

  /** vLLM's /reset_prefix_cache: false (nothing cleared) while any block is held. */
  resetPrefixCache(): boolean {
    const ok = this.kv.resetPrefixCache();
    this.events.flush();
    return ok;
  }

  onKvEvents(listener: KvEventListener): () => void {
    return this.events.subscribe(listener);
  }

  load(): EngineLoad {
    return {
      runningRequests: this.scheduler.running.length,
      waitingRequests: this.scheduler.waiting.length,
      kvCacheUsage: this.kv.usage(),
      numGpuBlocks: this.numGpuBlocks,
      blockSize: this.blockSize,
      prefixCacheQueries: this.kv.queries,
      prefixCacheHits: this.kv.hits,
    };
  }

  /** Prompt tokens an external store (SimEngineCoreOptions.externalKv) supplied so far. */
  get externalPrefixCacheHits(): number {
    return this.kv.externalHits;
  }

  /** vLLM's Prometheus metrics, this engine's own Registry; undefined when created with vllmMetrics: false. */
  vllmMetrics(): Registry | undefined {
    return this.metrics?.registry;
  }

  /** Requests submitted and not finished. */
  get activeRequests(): number {
    return this.entries.size;
  }

  /** Idempotent: aborts every request, stops the step loop and drops P/D leases. */
  close(): void {
    if (this.closed) return;
    for (const id of [...this.entries.keys()]) this.abort(id);
    this.closed = true;
    this.kickTimer?.();
    this.stepTimer?.();
    this.kickTimer = this.stepTimer = null;
    this.inStep = false;
    this.remote.close();
    this.cpuLoads?.close();
  }

  private kick(): void {
    if (this.closed || this.inStep || this.kickTimer !== null || !this.scheduler.hasWork) return;
    // A zero-delay timer lets requests submitted at the same instant join the same first step.
    this.kickTimer = this.clock.setTimer(0, () => {
      this.kickTimer = null;
      this.beginStep();
    });
  }

  private beginStep(): void {
    if (this.closed || this.inStep) return;
    const step = this.scheduler.schedule();
    this.metrics?.observePreemptions(step.preempted.length);
    if (step.entries.length === 0) {
      this.events.flush(); // idle until a submit, abort, release or pull changes something
      return;
    }
    const jitter = 1 + this.profile.jitterFraction * (2 * this.jitter.next() - 1);
    const ms = this.latency.stepMs(step.work) * jitter;
    // Back-to-back steps start at the previous step's intended end, so real-clock timer lateness does
    // not accumulate into the simulated GPU's time (on a VirtualClock the two are equal).
    const now = this.clock.now();
    const start = this.chainFrom !== null && this.chainFrom < now ? this.chainFrom : now;
    this.chainFrom = null;
    const end = start + ms;
    this.inStep = true;
    this.stepTimer = this.clock.setTimer(Math.max(0, end - now), () => {
      this.chainFrom = end;
      this.stepTimer = null;
      this.endStep(step);
    });
  }

  private endStep(step: ScheduledStep): void {
    this.steps++;
    const now = this.clock.now();
    for (const { request } of step.entries) {
      if (request.status !== RequestStatus.Running) continue; // aborted during the step
      if (request.numComputedTokens < request.numTokens) continue; // a prefill chunk: no token yet
      const entry = this.entries.get(request.requestId)!;
      const token = request.output.next();
      request.appendToken(token);
      this.metrics?.observeToken(request, now);
      request.firstTokenMs ??= now;
      request.lastTokenMs = now;
      entry.callbacks.onTokens?.([token]);
      if (request.status !== RequestStatus.Running) continue; // the callback aborted it (stop string)
      if (token === EOS_TOKEN_ID && !request.ignoreEos) this.complete(entry, FinishReason.Stop);
      else if (request.numOutputTokens >= request.maxTokens) this.complete(entry, FinishReason.Length);
    }
    for (const id of this.pendingFrees) this.kv.free(id);
    this.pendingFrees = [];
    this.events.flush();
    this.inStep = false;
    if (!this.closed && this.scheduler.hasWork) this.beginStep();
    this.chainFrom = null;
  }

  /** A request ends normally: its blocks are freed, or pinned for the decode side of a P/D pair. */
  private complete(entry: Entry, reason: FinishReason): void {
    const request = entry.request;
    this.scheduler.remove(request);
    const kvTransfer = request.isRemoteDecodePrefill ? this.remote.pin(request) : undefined;
    if (kvTransfer === undefined) this.kv.free(request.requestId);
    this.finish(entry, reason, kvTransfer);
  }

  private finish(entry: Entry, reason: FinishReason, kvTransfer?: KvTransferParams): void {
    const request = entry.request;
    const now = this.clock.now();
    request.status = RequestStatus.Finished;
    this.entries.delete(request.requestId);
    this.metrics?.observeFinish(request, reason, now);
    const queuedMs = (request.firstScheduledMs ?? now) - request.arrivalMs;
    entry.callbacks.onFinish({
      finishReason: reason,
      promptTokens: request.numPromptTokens,
      completionTokens: request.numOutputTokens,
      cachedPromptTokens: Math.max(0, request.numCachedTokens),
      queuedMs,
      ttftMs: request.firstTokenMs === null ? -1 : request.firstTokenMs - request.arrivalMs,
      e2eMs: now - request.arrivalMs,
      numPreemptions: request.numPreemptions,
      ...(kvTransfer !== undefined ? { kvTransfer } : {}),
    });
  }
}
