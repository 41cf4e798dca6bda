// In-process types of the scheduling core: state and request in, decision out. No I/O here.
import type { EngineLoad } from '../engine/types.js';
import type { ActiveBlockTracker } from './state/active-blocks.js';
import type { InflightLedger } from './state/inflight-ledger.js';
import type { LatencyPredictor } from './state/latency-predictor.js';
import type { HostTierIndex } from './state/host-tier-index.js';
import type { PrefixIndex } from './state/prefix-index.js';
import type { PrefillBacklog } from './state/prefill-backlog.js';
import type { RoutedPrefixCache } from './state/routed-prefix-cache.js';
import type { SaturationTracker } from './state/saturation-tracker.js';
import type { SessionTable } from './state/session-table.js';
import { WorkerRole } from '../protocol/worker-role.js';

export { WorkerRole };

/** One worker as the scheduler last saw it (registry entry plus its latest load report). */
export interface WorkerSnapshot {
  readonly id: string;
  readonly role: WorkerRole;
  readonly models: readonly string[];
  readonly load: EngineLoad;
  /** ms, the scheduler's clock when the load report arrived. */
  readonly loadReportedAtMs: number;
  readonly healthy: boolean;
  /** Where to reach it, passed through to the decision (NATS subject prefix, host:port for KV transfer). */
  readonly address?: string;
}

/** Request headers the core reads, lower-case. */
export const SchedulingHeader = {
  SessionId: 'x-session-id',
  StickyWorker: 'x-atc-worker',
  SloTtftMs: 'x-slo-ttft-ms',
  SloTpotMs: 'x-slo-tpot-ms',
} as const;

export interface SchedulingRequest {
  readonly requestId: string;
  readonly model: string;
  /** Prompt token ids (chat template already applied). */
  readonly tokenIds: readonly number[];
  /**
   * computeBlockHashes(tokenIds, blockSize), when the caller has them already (computed once, off the
   * decision path); the scheduler computes them otherwise.
   */
  readonly blockHashes?: Float64Array;
  readonly maxTokens: number;
  /** Lower-case names; see SchedulingHeader. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Where "blocks cached on a worker" comes from: the engines' KV events, or this scheduler's routing memory. */
export const PrefixSource = { Precise: 'precise', Approximate: 'approximate' } as const;
export type PrefixSource = (typeof PrefixSource)[keyof typeof PrefixSource];

/** The shared state objects the service keeps up to date and plugins read. */
export interface SchedulingState {
  /** Tokens per block of the scheduler's own prefix hashes (must match the engines' block size). */
  readonly blockSize: number;
  /**
   * Which prefix state answers cachedBlocks / uncachedTokens. Absent: the precise index once any engine
   * has sent KV events, else the routing memory.
   */
  readonly prefixSource?: PrefixSource;
  /** Precise matches count in whole blocks of this many tokens (a multiple of blockSize); default blockSize. */
  readonly preciseMatchTokens?: number;
  readonly prefixIndex?: PrefixIndex;
  /** Blocks in the engines' host-memory offload tiers (KV events with medium "CPU"). */
  readonly hostTier?: HostTierIndex;
  /**
   * What a host-tier block following a worker's GPU match counts for in uncachedTokens and the precise
   * prefix score, as a share of a GPU block (0: ignored; see StateNeeds.hostCacheHitWeight).
   */
  readonly hostCacheHitWeight?: number;
  readonly routedPrefixes?: RoutedPrefixCache;
  /** Blocks assumed on a worker for a while after a prompt was routed there (llm-d speculative indexing). */
  readonly speculativePrefixes?: RoutedPrefixCache;
  /**
   * Prompt blocks of the requests routed to each worker and not yet prefilled (no first token back): what
   * the worker will hold once the prompts queued or prefilling there have run, before KV events say so.
   */
  readonly pendingPrefixes?: ActiveBlockTracker;
  /** Prefill work this scheduler split off, per prefill worker (kept by the P/D profile handler). */
  readonly prefillBacklog?: PrefillBacklog;
  /** Rotation counters of pickers that rotate, by plugin name (kept by those pickers). */
  readonly pickerCounters?: Map<string, number>;
  readonly inflight?: InflightLedger;
  readonly activeBlocks?: ActiveBlockTracker;
  readonly latency?: LatencyPredictor;
  readonly sessions?: SessionTable;
  /** Each engine's learned prefill throughput and backlog: predicted TTFT at an engine. */
  readonly saturation?: SaturationTracker;
}

export interface SchedulingContext {
  /** ms on the scheduler's clock (real or virtual). */
  readonly nowMs: number;
  readonly workers: readonly WorkerSnapshot[];
  readonly state: SchedulingState;
  /** Uniform in [0,1); injected so that tests and virtual-time runs are reproducible. */
  readonly random: () => number;
}

export interface FilterTrace {
  readonly plugin: string;
  /** Worker ids this filter removed. */
  readonly removed: readonly string[];
}

/** Wall-clock ms one plugin call took (metrics and explanations only; never an input to a decision). */
export interface PluginTiming {
  readonly plugin: string;
  readonly kind: 'filter' | 'scorer' | 'picker' | 'profile-handler';
  readonly durationMs: number;
}

export interface ScorerTrace {
  readonly plugin: string;
  readonly weight: number;
  /** Clamped score in [0,1] per worker id. */
  readonly scores: Readonly<Record<string, number>>;
  /** Wall-clock ms the scorer took (metrics only). */
  readonly durationMs?: number;
}

export interface ProfileExplanation {
  readonly profile: string;
  readonly candidates: readonly string[];
  readonly filters: readonly FilterTrace[];
  readonly scorers: readonly ScorerTrace[];
  /** Weighted sum per worker id. */
  readonly totals: Readonly<Record<string, number>>;
  /** The chosen worker's weighted sum (totals[chosen], without building totals); null when none was chosen. */
  readonly chosenTotal?: number | null;
  readonly picker: string;
  /** null when every candidate was filtered out. */
  readonly chosen: string | null;
  /** On the chosen worker, per the prefix index (or the routed-prefix cache when no index). */
  readonly cachedPrefixBlocks: number;
  readonly uncachedTokens: number;
  /** Every filter, scorer and picker call of the profile, in order. */
  readonly timings: readonly PluginTiming[];
}

export interface DecisionTarget {
  readonly workerId: string;
  readonly address?: string;
}

export interface Decision {
  readonly requestId: string;
  readonly decode: DecisionTarget & {
    /** Blocks of the prompt the decode worker is believed to hold already. */
    readonly cachedPrefixBlocks: number;
    /** tokens the decode worker would compute without a remote prefill. */
    readonly uncachedTokens: number;
  };
  readonly prefill?: DecisionTarget;
  readonly explanation: {
    readonly profiles: readonly ProfileExplanation[];
    /** Why prefill was or was not split off. */
    readonly disaggregation: string;
    /** The profile handler's calls, summed. */
    readonly profileHandler: PluginTiming;
  };
}

/**
 * The scheduling state a plugin may read or keep, beyond the request and the worker snapshots: what it
 * declares in `consumes` (as the endpoint picker's plugins declare Consumes()). The pipeline refuses to
 * run a plugin whose state is missing, naming both, instead of letting it read a silent 0.
 */
export const StateKey = {
  /** The precise prefix index, from the engines' KV events (cachedBlocks comes from it). */
  PrefixIndex: 'prefixIndex',
  /** This scheduler's routing memory (cachedBlocks comes from it unless a plugin reads the precise index). */
  RoutedPrefixes: 'routedPrefixes',
  /** Requests and prompt tokens this scheduler assigned and has not seen finish. */
  Inflight: 'inflight',
  /** Distinct blocks of the requests in flight per worker (Dynamo's active blocks). */
  ActiveBlocks: 'activeBlocks',
  /** Prompt blocks of the requests routed to each worker and not yet prefilled. */
  PendingPrefixes: 'pendingPrefixes',
  /** Online TTFT/TPOT models per worker. */
  Latency: 'latency',
  /** Session -> worker stickiness. */
  Sessions: 'sessions',
  /** The prefill work this scheduler split off, per prefill worker (the P/D handler's estimate). */
  PrefillBacklog: 'prefillBacklog',
  /** Counters of pickers that rotate (round-robin, llm-d's tie rotation), by plugin name. */
  PickerCounters: 'pickerCounters',
  /** Learned prefill throughput per engine (SaturationTracker). */
  Saturation: 'saturation',
} as const;
export type StateKey = (typeof StateKey)[keyof typeof StateKey];
