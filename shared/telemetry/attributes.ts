// Span attribute names, in one place. OpenTelemetry GenAI semantic conventions where one exists
// (opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans, the names that
// @opentelemetry/semantic-conventions 1.45 exports from 'incubating'); `atc.*` for ours. The incubating
// names are copied rather than imported, as that package advises: incubating exports may change.

export const GenAiAttr = {
  /** 'chat' | 'text_completion' (GenAiOperation). */
  OperationName: 'gen_ai.operation.name',
  ProviderName: 'gen_ai.provider.name',
  RequestModel: 'gen_ai.request.model',
  RequestMaxTokens: 'gen_ai.request.max_tokens',
  RequestTemperature: 'gen_ai.request.temperature',
  RequestStream: 'gen_ai.request.stream',
  ResponseId: 'gen_ai.response.id',
  ResponseModel: 'gen_ai.response.model',
  /** string[] */
  ResponseFinishReasons: 'gen_ai.response.finish_reasons',
  /** Prompt tokens, cached ones included. */
  UsageInputTokens: 'gen_ai.usage.input_tokens',
  UsageOutputTokens: 'gen_ai.usage.output_tokens',
  /** Prompt tokens served from the prefix cache. */
  UsageCacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  /** Seconds from request to first streamed chunk (the client-side TTFT). */
  ResponseTimeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
} as const;
export type GenAiAttr = (typeof GenAiAttr)[keyof typeof GenAiAttr];

export const GenAiOperation = { Chat: 'chat', TextCompletion: 'text_completion' } as const;
export type GenAiOperation = (typeof GenAiOperation)[keyof typeof GenAiOperation];

/** The value of gen_ai.provider.name on our spans. */
export const GEN_AI_PROVIDER = 'llm-atc';

/** Stable semantic-convention names we use besides GenAI. */
export const SemconvAttr = {
  ErrorType: 'error.type',
  ServiceName: 'service.name',
  ServiceInstanceId: 'service.instance.id',
  MessagingSystem: 'messaging.system',
  MessagingDestinationName: 'messaging.destination.name',
  /** 'send' | 'receive' | 'process' */
  MessagingOperationType: 'messaging.operation.type',
  HttpRequestMethod: 'http.request.method',
  HttpRoute: 'http.route',
  HttpResponseStatusCode: 'http.response.status_code',
} as const;
export type SemconvAttr = (typeof SemconvAttr)[keyof typeof SemconvAttr];

export const AtcAttr = {
  RequestId: 'atc.request.id',
  /** 1 for the first worker tried, 2 after one retry, ... */
  Attempt: 'atc.request.attempt',
  /** string[]: workers excluded from this pick (they failed the request before). */
  ExcludedWorkers: 'atc.scheduler.excluded_workers',
  SchedulerReplica: 'atc.scheduler.replica',
  /** Workers left after the filters. */
  Candidates: 'atc.scheduler.candidates',
  DecodeWorker: 'atc.decode_worker.id',
  PrefillWorker: 'atc.prefill_worker.id',
  /** This process's worker id (on worker spans). */
  WorkerId: 'atc.worker.id',
  /** Decode worker's weighted total score, [0, sum of weights]. */
  ScoreTotal: 'atc.scheduler.score.total',
  /** KV blocks of the prompt already cached on the chosen decode worker (prefix-cache index), blocks. */
  CachedPrefixBlocks: 'atc.prefix_cache.cached_blocks',
  /** Prompt tokens the chosen worker must still prefill, tokens. */
  UncachedTokens: 'atc.prefix_cache.uncached_tokens',
  /** PdDecision value. */
  PdDecision: 'atc.pd.decision',
  /** Why the profile handler decided so (free text, e.g. 'uncached 3100 tokens >= 2048'). */
  PdReason: 'atc.pd.reason',
  /** true when a disaggregated request fell back to local prefill. */
  PdFallback: 'atc.pd.fallback',
  PdFallbackReason: 'atc.pd.fallback_reason',
  KvHandoffKey: 'atc.kv_handoff.key',
  /** ms the request waited in the engine before its first step. */
  QueueTimeMs: 'atc.engine.queue_time_ms',
  /** ms from engine admission to first token, as the engine measured it. */
  EngineTtftMs: 'atc.engine.time_to_first_token_ms',
  /** ms from the ingress receiving the request to its first token leaving for the client. */
  TtftMs: 'atc.time_to_first_token_ms',
  /** ms the request waited in the scheduler's flow-control queue (0: admitted at once). */
  QueueWaitMs: 'atc.scheduler.queue_wait_ms',
  /** The request's priority band (critical, standard, sheddable) and tenant. */
  Priority: 'atc.request.priority',
  Tenant: 'atc.request.tenant',
  /** Why flow control turned the request away (queue_full, shed, queue_timeout, no_worker, closed). */
  RejectReason: 'atc.scheduler.reject_reason',
  /** Plain-text prompt size, characters (the prompt itself stays out of traces). */
  PromptChars: 'atc.prompt.chars',
} as const;
export type AtcAttr = (typeof AtcAttr)[keyof typeof AtcAttr];

export const PdDecision = { Aggregated: 'aggregated', Disaggregated: 'disaggregated' } as const;
export type PdDecision = (typeof PdDecision)[keyof typeof PdDecision];

/** Prefix of the per-plugin score attributes: `atc.scheduler.score.<profile>.<plugin>`. */
export const PLUGIN_SCORE_PREFIX = 'atc.scheduler.score.';

/**
 * Per-plugin scores of the chosen worker as span attributes: { profile: { plugin: score in [0,1] } }
 * becomes `atc.scheduler.score.<profile>.<plugin>` = score. Plugin names are config names (bounded).
 */
export function pluginScoreAttributes(scoresByProfile: Readonly<Record<string, Readonly<Record<string, number>>>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [profile, scores] of Object.entries(scoresByProfile)) {
    for (const [plugin, score] of Object.entries(scores)) out[`${PLUGIN_SCORE_PREFIX}${profile}.${plugin}`] = score;
  }
  return out;
}

/** Span attribute prefix of the workers each filter removed: `atc.scheduler.filtered.<profile>.<plugin>`. */
export const PLUGIN_FILTERED_PREFIX = 'atc.scheduler.filtered.';

/**
 * Per-filter attributes of a scheduling decision: how many candidates each filter of each profile removed.
 * A filter that keeps a request with its cache holder (slo-affinity-filter: stays) removes the others; one
 * that lets go (spills) removes none.
 */
export function pluginFilterAttributes(
  removedByProfile: Readonly<Record<string, Readonly<Record<string, number>>>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [profile, removed] of Object.entries(removedByProfile)) {
    for (const [plugin, n] of Object.entries(removed)) out[`${PLUGIN_FILTERED_PREFIX}${profile}.${plugin}`] = n;
  }
  return out;
}

/** Conventional span names: `<service>.<operation>`; HTTP server spans use `<METHOD> <route>` (HTTP semconv). */
export const SpanName = {
  IngressPick: 'ingress.pick',
  IngressDispatch: 'ingress.dispatch',
  SchedulerPick: 'scheduler.pick',
  DecodeGenerate: 'decode_worker.generate',
  DecodeRemotePrefill: 'decode_worker.remote_prefill',
  PrefillPrefill: 'prefill_worker.prefill',
  EngineGenerate: 'engine.generate',
  EnginePrefill: 'engine.prefill',
} as const;
export type SpanName = (typeof SpanName)[keyof typeof SpanName];
