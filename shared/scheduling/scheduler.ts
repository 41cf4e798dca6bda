// The scheduler as the service (and the virtual-time benchmark) uses it: compiled profiles plus the shared
// state objects, deciding and then recording each decision in that state. Still no I/O and no clock: the
// caller passes nowMs and the worker snapshots.
import { loadSchedulerConfig } from './config/loader.js';
import { DEFAULT_SCHEDULER_CONFIG } from './config/default-config.js';
import type { PluginRegistry } from './config/registry.js';
import { SchedulingCycle } from './cycle.js';
import { runSchedulingCycle, type CompiledSchedulerConfig } from './pipeline.js';
import { ActiveBlockTracker } from './state/active-blocks.js';
import { InflightLedger } from './state/inflight-ledger.js';
import { LatencyModel } from './state/latency-model.js';
import { PrefixIndex } from './state/prefix-index.js';
import { RoutedPrefixCache } from './state/routed-prefix-cache.js';
import { SessionTable } from './state/session-table.js';
import { SchedulingHeader, type Decision, type SchedulingRequest, type SchedulingState, type WorkerSnapshot } from './types.js';

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
  readonly routedPrefixes: RoutedPrefixCache;
  readonly inflight: InflightLedger;
  readonly activeBlocks: ActiveBlockTracker;
  readonly latency: LatencyModel;
  readonly sessions: SessionTable;
}

export class Scheduler {
  readonly config: CompiledSchedulerConfig;
  readonly state: SchedulerState;
  private readonly random: () => number;

  constructor(options: SchedulerOptions = {}) {
    const config = options.config ?? DEFAULT_SCHEDULER_CONFIG;
    this.config = typeof config === 'string' ? loadSchedulerConfig(config, options.registry) : config;
    const blockSize = options.blockSize ?? 16;
    this.state = {
      blockSize,
      prefixIndex: new PrefixIndex({ blockSize }),
      routedPrefixes: new RoutedPrefixCache(
        this.config.routedPrefixCapacityBlocks !== undefined ? { capacityBlocks: this.config.routedPrefixCapacityBlocks } : {},
      ),
      inflight: new InflightLedger(options.inflightTtlMs !== undefined ? { ttlMs: options.inflightTtlMs } : {}),
      activeBlocks: new ActiveBlockTracker(),
      latency: new LatencyModel(),
      sessions: new SessionTable(),
    };
    this.random = options.random ?? Math.random;
  }

  /**
   * Decides and records the decision (in-flight ledger, routed-prefix memory, session table).
   * Throws NoEligibleWorkerError when no worker can serve the request.
   */
  decide(request: SchedulingRequest, workers: readonly WorkerSnapshot[], nowMs: number): Decision {
    const cycle = new SchedulingCycle(request, { nowMs, workers, state: this.state, random: this.random });
    const decision = runSchedulingCycle(cycle, this.config);
    this.record(decision, request, cycle.blockHashes(), nowMs);
    return decision;
  }

  /** The request's first token arrived: its prompt no longer weighs on the worker as pending prefill. */
  markPrefilled(requestId: string): void {
    this.state.inflight.markPrefilled(requestId);
  }

  /** The request finished (or failed) on its worker: drop it from the in-flight ledger. */
  finish(requestId: string): void {
    this.state.inflight.finish(requestId);
    this.state.activeBlocks.finish(requestId);
  }

  /** Forgets everything about a worker that left the registry. */
  removeWorker(workerId: string): void {
    this.state.prefixIndex.removeWorker(workerId);
    this.state.routedPrefixes.removeWorker(workerId);
    this.state.inflight.removeWorker(workerId);
    this.state.activeBlocks.removeWorker(workerId);
    this.state.latency.removeWorker(workerId);
  }

  private record(decision: Decision, request: SchedulingRequest, blockHashes: Float64Array, nowMs: number): void {
    const decodeId = decision.decode.workerId;
    // With a remote prefill the decode worker computes nothing of the prompt itself.
    const uncached = decision.prefill ? 0 : decision.decode.uncachedTokens;
    this.state.inflight.assign(decodeId, request.requestId, request.tokenIds.length, request.maxTokens, nowMs, uncached);
    if (this.config.tracksActiveBlocks) this.state.activeBlocks.assign(decodeId, request.requestId, blockHashes);
    // Routing memory costs ~0.1 ms a decision for long prompts: kept only when a plugin of the config reads it.
    if (this.config.routedPrefixCapacityBlocks !== undefined) {
      this.state.routedPrefixes.recordRouted(decodeId, blockHashes);
      // A prefill worker keeps the prompt's blocks in its own prefix cache after the handoff.
      if (decision.prefill) this.state.routedPrefixes.recordRouted(decision.prefill.workerId, blockHashes);
    }
    const session = request.headers[SchedulingHeader.SessionId];
    if (session !== undefined) this.state.sessions.record(session, decodeId);
  }
}
