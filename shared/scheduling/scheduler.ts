// The scheduler as the service (and the virtual-time benchmark) uses it: compiled profiles plus the shared
// state objects, deciding and then recording each decision in that state. Still no I/O and no clock: the
// caller passes nowMs and the worker snapshots.
import type { KvEventBatch } from '../engine/types.js';
import { loadSchedulerConfig } from './config/loader.js';
import { DEFAULT_SCHEDULER_CONFIG } from './config/default-config.js';
import type { PluginRegistry } from './config/registry.js';
import { SchedulingCycle } from './cycle.js';
import { runSchedulingCycle, type CompiledSchedulerConfig } from './pipeline.js';
import { ActiveBlockTracker } from './state/active-blocks.js';
import { InflightLedger } from './state/inflight-ledger.js';
import { LatencyPredictor } from './state/latency-predictor.js';
import { HostTierIndex, applyTieredKvEvents } from './state/host-tier-index.js';
import { PrefixIndex, type ApplyEventsResult } from './state/prefix-index.js';
import { DEFAULT_BLOCK_SIZE } from './state/prefix-hash.js';
import { PrefillBacklog } from './state/prefill-backlog.js';
import { SaturationTracker } from './state/saturation-tracker.js';
import { RoutedPrefixCache, type RoutedPrefixOptions } from './state/routed-prefix-cache.js';
import { SchedulingConfigError } from './errors.js';
import type { RoutedPrefixNeeds } from './framework.js';
import { SessionTable } from './state/session-table.js';
import { SchedulingHeader, StateKey, type Decision, type SchedulingRequest, type SchedulingState, type WorkerSnapshot } from './types.js';

export interface SchedulerOptions {
  /** YAML text or a compiled config; default DEFAULT_SCHEDULER_CONFIG. */
  readonly config?: string | CompiledSchedulerConfig;
  readonly registry?: PluginRegistry;
  /** tokens per block, = the engines' block size (default 16, vLLM's default). */
  readonly blockSize?: number;
  /** ms before an in-flight entry whose completion was never seen is dropped (default 600,000). */
  readonly inflightTtlMs?: number;
  /** Uniform [0,1) source for tie-breaks and random pickers (default Math.random). */
  readonly random?: () => number;
}

/** The state objects a Scheduler owns; all present (the service feeds them). */
export interface SchedulerState extends SchedulingState {
  readonly prefixIndex: PrefixIndex;
  readonly hostTier: HostTierIndex;
  readonly saturation: SaturationTracker;
  readonly routedPrefixes: RoutedPrefixCache;
  readonly inflight: InflightLedger;
  readonly activeBlocks: ActiveBlockTracker;
  readonly pendingPrefixes?: ActiveBlockTracker;
  readonly latency: LatencyPredictor;
  readonly sessions: SessionTable;
  readonly prefillBacklog: PrefillBacklog;
  readonly pickerCounters: Map<string, number>;
}

/**
 * Blocks a worker's speculative entries may hold: entries live only for the TTL (seconds), so this only
 * bounds memory under a flood of distinct prompts (~64 MB of Map entries per worker at most).
 */
const SPECULATIVE_CAPACITY_BLOCKS = 1 << 20;

/** The routing memory's options in scheduler blocks, from a plugin's needs in tokens. */
function routedPrefixOptions(needs: RoutedPrefixNeeds, blockSize: number): RoutedPrefixOptions {
  const blocksPerEntry = needs.blockTokens / blockSize;
  if (!Number.isInteger(blocksPerEntry) || blocksPerEntry < 1)
    throw new SchedulingConfigError(
      `routing memory block of ${needs.blockTokens} tokens is not a multiple of the scheduler's ${blockSize}-token blocks`,
    );
  return {
    blocksPerEntry,
    capacityBlocks: needs.capacityBlocks,
    ...(needs.maxPrefixTokens !== undefined ? { maxEntries: Math.max(1, Math.floor(needs.maxPrefixTokens / needs.blockTokens)) } : {}),
  };
}

export class Scheduler {
  readonly config: CompiledSchedulerConfig;
  readonly state: SchedulerState;
  private readonly random: () => number;

  constructor(options: SchedulerOptions = {}) {
    const config = options.config ?? DEFAULT_SCHEDULER_CONFIG;
    this.config = typeof config === 'string' ? loadSchedulerConfig(config, options.registry) : config;
    const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    const routed = this.config.routedPrefixes;
    const g = this.config.preciseMatchTokens;
    if (g !== undefined && (!Number.isInteger(g / blockSize) || g < blockSize))
      throw new SchedulingConfigError(
        `precise matches in ${g}-token blocks are not whole multiples of the scheduler's ${blockSize}-token blocks`,
      );
    const specTtl = this.config.speculativeTtlMs;
    const inflight = new InflightLedger(options.inflightTtlMs !== undefined ? { ttlMs: options.inflightTtlMs } : {});
    this.state = {
      blockSize,
      ...(this.config.prefixSource !== undefined ? { prefixSource: this.config.prefixSource } : {}),
      ...(this.config.preciseMatchTokens !== undefined ? { preciseMatchTokens: this.config.preciseMatchTokens } : {}),
      prefixIndex: new PrefixIndex({ blockSize }),
      hostTier: new HostTierIndex(),
      ...(this.config.hostCacheHitWeight !== undefined ? { hostCacheHitWeight: this.config.hostCacheHitWeight } : {}),
      routedPrefixes: new RoutedPrefixCache(routed !== undefined ? routedPrefixOptions(routed, blockSize) : {}),
      ...(specTtl !== undefined
        ? { speculativePrefixes: new RoutedPrefixCache({ ttlMs: specTtl, capacityBlocks: SPECULATIVE_CAPACITY_BLOCKS }) }
        : {}),
      // Kept only when a plugin of the config reads it: an assign and a release per request.
      ...(this.config.consumes.has(StateKey.PendingPrefixes) ? { pendingPrefixes: new ActiveBlockTracker() } : {}),
      inflight,
      saturation: new SaturationTracker(inflight),
      activeBlocks: new ActiveBlockTracker(),
      latency: new LatencyPredictor(),
      sessions: new SessionTable(),
      prefillBacklog: new PrefillBacklog(),
      pickerCounters: new Map(),
    };
    this.random = options.random ?? Math.random;
    // A request whose completion was never seen leaves the ledger after its TTL; its active and pending
    // blocks go with it, so a lost event cannot leave them counted for good.
    inflight.onExpired = (requestId) => {
      this.state.activeBlocks.finish(requestId);
      this.state.pendingPrefixes?.finish(requestId);
    };
  }

  /**
   * Decides and records the decision (in-flight ledger, routed-prefix memory, session table).
   * Throws NoEligibleWorkerError when no worker can serve the request.
   */
  decide(request: SchedulingRequest, workers: readonly WorkerSnapshot[], nowMs: number): Decision {
    const cycle = new SchedulingCycle(request, { nowMs, workers, state: this.state, random: this.random });
    const decision = runSchedulingCycle(cycle, this.config);
    this.record(decision, request, cycle.blockHashes(), nowMs, workers);
    return decision;
  }

  /** One KV event batch of a worker: GPU-tier events into the prefix index, host-tier (CPU) events beside it. */
  applyKvEvents(workerId: string, seq: number, batch: KvEventBatch): ApplyEventsResult {
    return applyTieredKvEvents(this.state.prefixIndex, this.state.hostTier, workerId, seq, batch);
  }

  /**
   * The request's first token arrived: its prompt no longer weighs on the worker as pending prefill, and
   * the saturation tracker learns from it. nowMs: the scheduler's clock (real or virtual).
   */
  markPrefilled(requestId: string, nowMs: number = Date.now()): void {
    const pending = this.state.inflight.pendingOf(requestId);
    if (pending !== undefined && pending.pendingTokens > 0) this.state.saturation.prefilled(pending.workerId, pending.pendingTokens, nowMs);
    this.state.inflight.markPrefilled(requestId);
    // Its blocks are computed and announced by now: the KV events speak for them (and for their eviction).
    this.state.pendingPrefixes?.finish(requestId);
  }

  /** The request finished (or failed) on its worker: drop it from the in-flight ledger. */
  finish(requestId: string): void {
    this.state.inflight.finish(requestId);
    this.state.activeBlocks.finish(requestId);
    this.state.pendingPrefixes?.finish(requestId);
  }

  /** Forgets everything about a worker that left the registry. */
  removeWorker(workerId: string): void {
    this.state.prefixIndex.removeWorker(workerId);
    this.state.hostTier.removeWorker(workerId);
    this.state.saturation.removeWorker(workerId);
    this.state.routedPrefixes.removeWorker(workerId);
    this.state.speculativePrefixes?.removeWorker(workerId);
    this.state.inflight.removeWorker(workerId);
    this.state.activeBlocks.removeWorker(workerId);
    this.state.pendingPrefixes?.removeWorker(workerId);
    this.state.latency.removeWorker(workerId);
    this.state.prefillBacklog.removeWorker(workerId);
  }

  private record(
    decision: Decision,
    request: SchedulingRequest,
    blockHashes: Float64Array,
    nowMs: number,
    workers: readonly WorkerSnapshot[],
  ): void {
    const decodeId = decision.decode.workerId;
    // With a remote prefill the decode worker computes nothing of the prompt itself.
    const uncached = decision.prefill ? 0 : decision.decode.uncachedTokens;
    this.state.inflight.assign(decodeId, request.requestId, request.tokenIds.length, request.maxTokens, nowMs, uncached);
    if (this.config.tracksActiveBlocks) this.state.activeBlocks.assign(decodeId, request.requestId, blockHashes);
    // Routing memory costs ~0.1 ms a decision for long prompts: kept only when a plugin of the config reads it.
    if (this.config.routedPrefixes !== undefined) {
      const engineBlocks = (id: string) => workers.find((w) => w.id === id)?.load.numGpuBlocks;
      this.state.routedPrefixes.recordRouted(decodeId, blockHashes, engineBlocks(decodeId), nowMs);
      // A prefill worker keeps the prompt's blocks in its own prefix cache after the handoff.
      if (decision.prefill)
        this.state.routedPrefixes.recordRouted(decision.prefill.workerId, blockHashes, engineBlocks(decision.prefill.workerId), nowMs);
    }
    this.state.speculativePrefixes?.recordRouted(decodeId, blockHashes, undefined, nowMs);
    this.state.pendingPrefixes?.assign(decodeId, request.requestId, blockHashes);
    const session = request.headers[SchedulingHeader.SessionId];
    if (session !== undefined) this.state.sessions.record(session, decodeId);
  }
}
