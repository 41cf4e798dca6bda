// Builders shared by the scheduling tests.
import type { EngineLoad, KvCacheEvent, KvEventBatch } from '../../../shared/engine/types.js';
import {
  ActiveBlockTracker,
  InflightLedger,
  LatencyPredictor,
  PrefillBacklog,
  PrefixIndex,
  RoutedPrefixCache,
  SchedulingCycle,
  SessionTable,
  seededRandom,
  type ScoredWorker,
  type SchedulingRequest,
  type SchedulingState,
  type WorkerSnapshot,
} from '../../../shared/scheduling/index.js';

export const MODEL = 'llama-3-8b';
export const NOW_MS = 1_000_000;

export function load(partial: Partial<EngineLoad> = {}): EngineLoad {
  return {
    runningRequests: 0,
    waitingRequests: 0,
    kvCacheUsage: 0,
    numGpuBlocks: 4096,
    blockSize: 16,
    prefixCacheQueries: 0,
    prefixCacheHits: 0,
    ...partial,
  };
}

export function worker(id: string, partial: Partial<Omit<WorkerSnapshot, 'load'>> & { load?: Partial<EngineLoad> } = {}): WorkerSnapshot {
  const { load: l, ...rest } = partial;
  return { id, role: 'both', models: [MODEL], healthy: true, loadReportedAtMs: NOW_MS, ...rest, load: load(l) };
}

export function request(
  tokenIds: readonly number[] = [],
  headers: Record<string, string> = {},
  partial: Partial<SchedulingRequest> = {},
): SchedulingRequest {
  return { requestId: 'r1', model: MODEL, tokenIds, maxTokens: 64, headers, ...partial };
}

/** tokens [start, start+n) — distinct prompts use distinct ranges. */
export function tokens(n: number, start = 0): number[] {
  return Array.from({ length: n }, (_, i) => start + i);
}

/** Every state object a Scheduler keeps, empty: plugins find what they consume. */
export function emptyState(): SchedulingState {
  return {
    blockSize: 16,
    prefixIndex: new PrefixIndex(),
    routedPrefixes: new RoutedPrefixCache(),
    inflight: new InflightLedger(),
    activeBlocks: new ActiveBlockTracker(),
    latency: new LatencyPredictor(),
    sessions: new SessionTable(),
    prefillBacklog: new PrefillBacklog(),
    pickerCounters: new Map(),
  };
}

/** A cycle over an empty scheduling state with the given parts replaced. */
export function cycle(
  req: SchedulingRequest,
  workers: readonly WorkerSnapshot[],
  state: Partial<SchedulingState> = {},
  options: { nowMs?: number; seed?: number } = {},
): SchedulingCycle {
  return new SchedulingCycle(req, {
    nowMs: options.nowMs ?? NOW_MS,
    workers,
    state: { ...emptyState(), ...state },
    random: seededRandom(options.seed ?? 1),
  });
}

export function scored(entries: ReadonlyArray<readonly [WorkerSnapshot, number]>): ScoredWorker[] {
  return entries.map(([w, score]) => ({ worker: w, score }));
}

/** A BlockStored event for whole blocks of `toks`, engine hashes given by the caller. */
export function stored(engineHashes: string[], parent: string | null, toks: readonly number[], blockSize = 16): KvCacheEvent {
  return {
    type: 'BlockStored',
    blockHashes: engineHashes,
    parentBlockHash: parent,
    tokenIds: toks,
    blockSize,
    loraId: null,
    medium: 'GPU',
  };
}

export function removed(engineHashes: string[]): KvCacheEvent {
  return { type: 'BlockRemoved', blockHashes: engineHashes, medium: 'GPU' };
}

export function batch(...events: KvCacheEvent[]): KvEventBatch {
  return { ts: 0, events, dataParallelRank: null };
}

/** Engine hashes 'prefix-0', 'prefix-1', … for n blocks. */
export function engineHashes(prefix: string, n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${from + i}`);
}

export function rounded(xs: ArrayLike<number>, digits = 4): number[] {
  return Array.from(xs, (x) => Number(x.toFixed(digits)));
}
