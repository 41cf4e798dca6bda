// Admission: can the fleet take this request now, within its TTFT budget? The flow controller asks this
// of a FleetCapacity before each dispatch; what answers is swappable (a learned saturation tracker can
// replace the estimates here behind the same interface).
import type { SchedulingState, WorkerSnapshot } from '../types.js';

export interface CapacityRequest {
  readonly model: string;
  readonly promptTokens: number;
  /** ms: the request's time-to-first-token budget (x-slo-ttft-ms or the default). */
  readonly ttftBudgetMs: number;
}

export type CapacityVerdict =
  /** Some worker can start it within budget; predictedTtftMs when the estimate has one (ms, from dispatch). */
  | { readonly kind: 'admit'; readonly workerId: string; readonly predictedTtftMs?: number }
  /** Workers serve the model, but none can take the request in time now. */
  | { readonly kind: 'saturated'; readonly predictedTtftMs?: number }
  /** No live worker serves the model at all. */
  | { readonly kind: 'no-worker' };

export interface FleetCapacity {
  readonly name: string;
  assess(request: CapacityRequest, workers: readonly WorkerSnapshot[], state: SchedulingState, nowMs: number): CapacityVerdict;
  /** The request was dispatched (an estimate may learn from what it admits). */
  dispatched?(request: CapacityRequest): void;
}

/** Healthy workers that can decode `model`. */
export function decodeWorkersFor(model: string, workers: readonly WorkerSnapshot[]): WorkerSnapshot[] {
  return workers.filter((w) => w.healthy && w.role !== 'prefill' && w.models.includes(model));
}

export interface SloCapacityOptions {
  /**
   * Prompt tokens one engine prefills per second. Default 29,331: llama-3-8b-h100's figure measured the way
   * llm-d calibrates peakPrefillThroughput (BENCHMARKS.md, "What is calibrated"); set it per model and GPU.
   */
  readonly prefillTokensPerS?: number;
  /**
   * Share of the TTFT budget the engine may take (default 0.4): a request is admitted when its predicted
   * TTFT on some worker is within this share; the rest of the budget is what it may wait in the queue.
   */
  readonly engineShare?: number;
  /** KV-cache usage (0–1) at or above which a worker takes no new work (default 0.95: it would preempt). */
  readonly maxKvUsage?: number;
}

/**
 * Share of a request's TTFT budget admission gives the engine (the rest is its longest queue wait): 0.4,
 * tuned on the tuning window (`npm run bench -- overload --loads 1,2 --arms atc`, trace 0–4 min: 0.5 let
 * critical p90 TTFT reach 5.15 s at 2× capacity; 0.4 gave 4.08 s and the most goodput; 0.3 less goodput).
 */
export const DEFAULT_ENGINE_SHARE = 0.4;

export const SLO_CAPACITY_DEFAULTS: Required<SloCapacityOptions> = {
  prefillTokensPerS: 29_331,
  engineShare: DEFAULT_ENGINE_SHARE,
  maxKvUsage: 0.95,
};

/**
 * SLO-aware admission: a worker's predicted TTFT for the request is the prefill work ahead of it plus its
 * own prompt, at the engine's prefill rate. The work ahead is what this scheduler's in-flight ledger holds
 * (exact for its own dispatches, no report lag), or what the worker reports waiting (which sees the other
 * replicas' requests too) at the mean prompt size, whichever is more.
 */
export class SloCapacity implements FleetCapacity {
  readonly name = 'slo';
  readonly options: Required<SloCapacityOptions>;
  /** Mean prompt tokens of the requests dispatched (EWMA over ~50), to turn a reported waiting count into tokens. */
  private meanPromptTokens = 0;

  constructor(options: SloCapacityOptions = {}) {
    this.options = { ...SLO_CAPACITY_DEFAULTS, ...options };
    const o = this.options;
    if (!(o.prefillTokensPerS > 0)) throw new RangeError(`prefillTokensPerS must be > 0, got ${o.prefillTokensPerS}`);
    if (!(o.engineShare > 0 && o.engineShare <= 1)) throw new RangeError(`engineShare must be in (0,1], got ${o.engineShare}`);
    if (!(o.maxKvUsage > 0 && o.maxKvUsage <= 1)) throw new RangeError(`maxKvUsage must be in (0,1], got ${o.maxKvUsage}`);
  }

  dispatched(request: CapacityRequest): void {
    this.meanPromptTokens = this.meanPromptTokens === 0 ? request.promptTokens : 0.98 * this.meanPromptTokens + 0.02 * request.promptTokens;
  }

  /** ms one engine needs to prefill `tokens` with nothing ahead. */
  prefillMs(tokens: number): number {
    return (tokens / this.options.prefillTokensPerS) * 1000;
  }

  assess(request: CapacityRequest, workers: readonly WorkerSnapshot[], state: SchedulingState): CapacityVerdict {
    const eligible = decodeWorkersFor(request.model, workers);
    if (eligible.length === 0) return { kind: 'no-worker' };
    const limitMs = request.ttftBudgetMs * this.options.engineShare;
    let best: { id: string; ms: number } | undefined;
    for (const w of eligible) {
      if (w.load.kvCacheUsage >= this.options.maxKvUsage) continue;
      const ledger = state.inflight?.totalsFor(w.id).pendingPrefillTokens ?? 0;
      const reported = w.load.waitingRequests * this.meanPromptTokens;
      const ms = this.prefillMs(Math.max(ledger, reported) + request.promptTokens);
      if (best === undefined || ms < best.ms) best = { id: w.id, ms };
    }
    if (best === undefined) return { kind: 'saturated' };
    // A prompt too long to fit the share on an idle engine is admitted once its worker has nothing ahead of it.
    const idleMs = this.prefillMs(request.promptTokens);
    return best.ms <= Math.max(limitMs, idleMs)
      ? { kind: 'admit', workerId: best.id, predictedTtftMs: best.ms }
      : { kind: 'saturated', predictedTtftMs: best.ms };
  }
}

export interface UtilizationCapacityOptions {
  /** Waiting requests at or above which a worker counts as saturated (GIE utilization detector default 5). */
  readonly queueDepthThreshold?: number;
  /** KV-cache usage at or above which a worker counts as saturated (GIE default 0.8). */
  readonly kvCacheUtilThreshold?: number;
}

/**
 * llm-d's default saturation detector (gateway-api-inference-extension `saturationdetector/utilization`,
 * DefaultQueueDepthThreshold 5, DefaultKVCacheUtilThreshold 0.8): the pool is saturated when every
 * worker's waiting queue or KV usage is at its threshold; no TTFT budget. The waiting count adds the
 * requests this scheduler sent since the worker's last report (which llm-d's detector does not: it would
 * admit a whole queue between two reports).
 */
export class UtilizationCapacity implements FleetCapacity {
  readonly name = 'utilization';
  private readonly queueDepth: number;
  private readonly kvUtil: number;

  constructor(options: UtilizationCapacityOptions = {}) {
    this.queueDepth = options.queueDepthThreshold ?? 5;
    this.kvUtil = options.kvCacheUtilThreshold ?? 0.8;
  }

  assess(request: CapacityRequest, workers: readonly WorkerSnapshot[], state: SchedulingState): CapacityVerdict {
    const eligible = decodeWorkersFor(request.model, workers);
    if (eligible.length === 0) return { kind: 'no-worker' };
    for (const w of eligible) {
      const waiting = w.load.waitingRequests + (state.inflight?.dispatchedSince(w.id, w.loadReportedAtMs) ?? 0);
      if (waiting < this.queueDepth && w.load.kvCacheUsage < this.kvUtil) return { kind: 'admit', workerId: w.id };
    }
    return { kind: 'saturated' };
  }
}
