// Raw outcome of one run (one policy, one load): per request, plus the series the report plots.
// Summaries (percentiles, goodput) are computed from it by summary.ts.

export interface RequestOutcome {
  readonly id: string;
  readonly arrivalMs: number;
  readonly stage: number | undefined;
  readonly warmup: boolean;
  /** Decode worker chosen (empty when no decision). */
  readonly workerId: string;
  /** Prefill worker when the scheduler split prefill off. */
  readonly prefillWorkerId: string | undefined;
  readonly failed: boolean;
  readonly failReason: string | undefined;
  /** ms from arrival to first output token at the client; NaN when failed before one. */
  readonly ttftMs: number;
  /** ms from arrival to finish. */
  readonly e2eMs: number;
  /** ms, (e2e − ttft) / (outputTokens − 1); NaN with fewer than two tokens. */
  readonly meanItlMs: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Prompt tokens the serving engine did not compute (prefix cache or remote prefill). */
  readonly cachedPromptTokens: number;
  /**
   * Prompt tokens found in the prefix cache when the request was first admitted by the engine that
   * computed its prompt (the prefill engine when disaggregated); a preempted request's recompute is not
   * counted again.
   */
  readonly firstAdmissionCachedTokens: number;
}

export interface WorkerSeries {
  /** ms of virtual time of each sample. */
  readonly timesMs: number[];
  /** Per worker id: running + waiting requests at each sample. */
  readonly load: Record<string, number[]>;
}

export interface RunRecord {
  readonly policy: string;
  readonly requests: RequestOutcome[];
  /** Inter-token gaps (ms) of every non-warm-up request's stream. */
  readonly itlGapsMs: Float32Array;
  /** Output tokens generated in each second of virtual time (index = floor(ms / 1000)), warm-up included. */
  readonly tokensPerSecond: number[];
  readonly workerSeries: WorkerSeries;
  /**
   * Summed over every engine (vLLM prefix_cache_queries_total / hits_total), tokens. vLLM counts every
   * lookup, so a request blocked at the head of the queue or preempted is counted again each time.
   */
  readonly prefixCacheQueries: number;
  readonly prefixCacheHits: number;
  /** One unlimited cache over the measured requests in arrival order (ReuseBound), tokens. */
  readonly reuseBound: { readonly queries: number; readonly hits: number };
  /** ms of virtual time when the last request finished. */
  readonly endMs: number;
  /** Wall-clock ms the simulation took. */
  readonly wallMs: number;
  readonly engineSteps: number;
  /** KV event batches after which the prefix index dropped a worker (events it could not apply). */
  readonly kvResyncs: number;
  readonly firstResyncReason: string | undefined;
  /**
   * stageBarrier workloads: per stage index, ms from its start to the finish of its last request
   * (what inference-perf divides a stage's tokens and requests by).
   */
  readonly stageSpans?: ReadonlyArray<{ readonly startMs: number; readonly endMs: number }>;
  /**
   * A TTFT probe (VirtualRunOptions.ttftProbe) that stopped early: its SLO could no longer be met, or
   * every measured request had its first token.
   */
  readonly stopReason?: 'slo-missed' | 'first-tokens';
  /** With ttftProbe: each measured request's TTFT (ms) at its first token, and the failures before one. */
  readonly measuredTtftsMs?: readonly number[];
  readonly failedBeforeFirstToken?: number;
}
