// Public API of the scheduling core.
export { WorkerRole, SchedulingHeader, PrefixSource } from './types.js';
export type {
  WorkerSnapshot,
  SchedulingRequest,
  SchedulingState,
  SchedulingContext,
  Decision,
  DecisionTarget,
  ProfileExplanation,
  FilterTrace,
  ScorerTrace,
  PluginTiming,
} from './types.js';
export { PluginKind, StateKey } from './framework.js';
export type {
  Plugin,
  Filter,
  Scorer,
  Picker,
  ProfileHandler,
  ScoredWorker,
  WeightedScorer,
  SchedulingProfile,
  ProfileResult,
  AnyPlugin,
  RoutedPrefixNeeds,
  StateNeeds,
} from './framework.js';
export { SchedulingCycle } from './cycle.js';
export { schedule, runProfile, runSchedulingCycle } from './pipeline.js';
export type { CompiledSchedulerConfig } from './pipeline.js';
export { Scheduler } from './scheduler.js';
export type { SchedulerOptions, SchedulerState } from './scheduler.js';
export { SchedulingConfigError, SchedulingStateError, NoEligibleWorkerError } from './errors.js';
export { seededRandom } from '../random/index.js';

export { loadSchedulerConfig, compileSchedulerConfig } from './config/loader.js';
export { PluginRegistry, builtinPluginRegistry } from './config/registry.js';
export { PluginParams } from './config/params.js';
export type { PluginFactory } from './config/plugin-factory.js';
export { DEFAULT_SCHEDULER_CONFIG } from './config/default-config.js';
export { BASELINE_CONFIGS, BASELINE_SOURCES, BaselinePolicy, baselineConfig } from './config/baseline-configs.js';
export type { BaselineCalibration } from './config/baseline-configs.js';

export { PrefixIndex } from './state/prefix-index.js';
export { SaturationTracker } from './state/saturation-tracker.js';
export type { SaturationOptions, SaturationStats } from './state/saturation-tracker.js';
export { HOST_MEDIUM, HostTierIndex, applyTieredKvEvents, splitByMedium } from './state/host-tier-index.js';
export type { ApplyEventsResult, WorkerOwnership, PrefixIndexStats } from './state/prefix-index.js';
export { DEFAULT_BLOCK_SIZE, computeBlockHashes, chainBlockHash, engineHashDigest, ROOT_PARENT_HASH } from './state/prefix-hash.js';
export { BlockHashTable } from './state/block-hash-table.js';
export { InflightLedger } from './state/inflight-ledger.js';
export type { InflightTotals } from './state/inflight-ledger.js';
export { ActiveBlockTracker } from './state/active-blocks.js';
export { RoutedPrefixCache } from './state/routed-prefix-cache.js';
export type { RoutedPrefixOptions } from './state/routed-prefix-cache.js';
export { LatencyPredictor, RecursiveLeastSquares } from './state/latency-predictor.js';
export type { LatencyObservation, TtftFeatures } from './state/latency-predictor.js';
export { SessionTable } from './state/session-table.js';
export { PrefillBacklog } from './state/prefill-backlog.js';
