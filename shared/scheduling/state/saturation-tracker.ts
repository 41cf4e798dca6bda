// Where each engine saturates, learned online from what the scheduler sees it do: no per-model, per-GPU
// calibration (llm-d's prefix-cache-affinity-filter asks operators for `peakPrefillThroughput`, measured
// by hand as CHUNK_SIZE / median TTFT; llm-d/llm-d guides/recipes/router/calibration).
//
// What it learns, per engine:
// - sustained prefill throughput (tokens/s): the uncached prompt tokens whose first token arrived over a
//   window of at least `windowMs` during which the engine's prefill backlog (this scheduler's in-flight
//   ledger: uncached tokens assigned and not yet prefilled) never fell below `saturationTokens`, i.e.
//   while it always had a full chunk waiting and so ran at what it can do with the decode batch it
//   carries (the decode fill is in the measurement: a step that decodes more prefills less). Samples are
//   smoothed (EWMA, `alpha`); until the first one the estimate is `priorTokensPerS`, a start value only.
// - its prefill backlog now, from the same ledger.
// The prediction: TTFT ≈ (backlog + tokens to compute) / sustained throughput.
//
// Interface for other parts of the scheduler (the affinity filter here; admission control may use it
// too): predictTtftMs(engineId, tokensToCompute), sustainedPrefillTokensPerS(engineId), backlogTokens(engineId).
import type { InflightLedger } from './inflight-ledger.js';

export interface SaturationOptions {
  /** tokens/s assumed before an engine has given a sample (default 20,000; replaced by what it sustains). */
  readonly priorTokensPerS?: number;
  /** Backlog (tokens) under which an engine is not saturated and gives no sample (default 8,192: vLLM's chunk on H100). */
  readonly saturationTokens?: number;
  /** ms a sample spans at least (default 500). */
  readonly windowMs?: number;
  /** EWMA weight of a new sample (default 0.2). */
  readonly alpha?: number;
}

interface EngineSaturation {
  tokensPerS: number;
  samples: number;
  /** Start (ms) of the current saturated window; NaN when none is open. */
  windowStartMs: number;
  windowTokens: number;
}

export interface SaturationStats {
  readonly engines: number;
  readonly samples: number;
}

export class SaturationTracker {
  readonly priorTokensPerS: number;
  readonly saturationTokens: number;
  readonly windowMs: number;
  readonly alpha: number;
  private readonly engines = new Map<string, EngineSaturation>();
  private totalSamples = 0;

  constructor(
    private readonly ledger: InflightLedger,
    options: SaturationOptions = {},
  ) {
    this.priorTokensPerS = options.priorTokensPerS ?? 20_000;
    this.saturationTokens = options.saturationTokens ?? 8192;
    this.windowMs = options.windowMs ?? 500;
    this.alpha = options.alpha ?? 0.2;
    if (!(this.priorTokensPerS > 0)) throw new RangeError(`priorTokensPerS must be > 0, got ${this.priorTokensPerS}`);
    if (!(this.alpha > 0 && this.alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${this.alpha}`);
  }

  /**
   * A request's first token arrived on the engine: `tokens` uncached prompt tokens were prefilled.
   * Call before the ledger forgets them (the backlog read here still includes them).
   */
  prefilled(engineId: string, tokens: number, nowMs: number): void {
    const e = this.engine(engineId);
    const backlogBefore = this.ledger.totalsFor(engineId).pendingPrefillTokens;
    const backlogAfter = backlogBefore - tokens;
    if (Number.isNaN(e.windowStartMs)) {
      // A window opens at a completion that leaves the engine saturated.
      if (backlogAfter >= this.saturationTokens) {
        e.windowStartMs = nowMs;
        e.windowTokens = 0;
      }
      return;
    }
    e.windowTokens += tokens;
    if (backlogAfter < this.saturationTokens) {
      // The backlog ran low: the engine may have idled within the window, so no sample.
      e.windowStartMs = NaN;
      return;
    }
    const spanMs = nowMs - e.windowStartMs;
    if (spanMs < this.windowMs) return;
    const sample = (e.windowTokens / spanMs) * 1000;
    e.tokensPerS = e.samples === 0 ? sample : e.tokensPerS + this.alpha * (sample - e.tokensPerS);
    e.samples++;
    this.totalSamples++;
    e.windowStartMs = nowMs;
    e.windowTokens = 0;
  }

  /** Prefill tokens/s the engine sustains (the prior until it has given a sample). */
  sustainedPrefillTokensPerS(engineId: string): number {
    return this.engines.get(engineId)?.tokensPerS ?? this.priorTokensPerS;
  }

  /** Samples learned from the engine so far (0: its throughput is still the prior). */
  samplesOf(engineId: string): number {
    return this.engines.get(engineId)?.samples ?? 0;
  }

  /** Uncached prompt tokens assigned to the engine and not yet prefilled (this scheduler's ledger). */
  backlogTokens(engineId: string): number {
    return Math.max(0, this.ledger.totalsFor(engineId).pendingPrefillTokens);
  }

  /** Predicted TTFT (ms) of a request that computes `tokensToCompute` prompt tokens on the engine, if sent now. */
  predictTtftMs(engineId: string, tokensToCompute: number): number {
    return ((this.backlogTokens(engineId) + Math.max(0, tokensToCompute)) / this.sustainedPrefillTokensPerS(engineId)) * 1000;
  }

  /** Every engine seen: its sustained prefill throughput (tokens/s) and the samples behind it (metrics). */
  *engineEstimates(): IterableIterator<{ readonly engineId: string; readonly tokensPerS: number; readonly samples: number }> {
    for (const [engineId, e] of this.engines) yield { engineId, tokensPerS: e.tokensPerS, samples: e.samples };
  }

  stats(): SaturationStats {
    return { engines: this.engines.size, samples: this.totalSamples };
  }

  removeWorker(engineId: string): void {
    this.engines.delete(engineId);
  }

  private engine(engineId: string): EngineSaturation {
    let e = this.engines.get(engineId);
    if (e === undefined) {
      e = { tokensPerS: this.priorTokensPerS, samples: 0, windowStartMs: NaN, windowTokens: 0 };
      this.engines.set(engineId, e);
    }
    return e;
  }
}
