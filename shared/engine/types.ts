// The contract between a worker and the engine it wraps (SimEngine or VllmEngine).
// In-process types only: wire encodings live in shared/protocol (NATS) and shared/engine/vllm (vLLM's own).

export const EngineKind = { Sim: 'sim', Vllm: 'vllm' } as const;
export type EngineKind = (typeof EngineKind)[keyof typeof EngineKind];

/** A chat message as the OpenAI API carries it (text content). */
export interface PromptMessage {
  readonly role: string;
  readonly content: string;
}

/**
 * A prompt: text (tokenized by the engine), token ids (trace replays, pre-tokenized clients), or chat
 * messages (the engine applies its model's chat template, as vLLM's /v1/chat/completions does).
 */
export type PromptInput =
  { readonly text: string } | { readonly tokenIds: readonly number[] } | { readonly messages: readonly PromptMessage[] };

export interface SamplingParams {
  /** Upper bound on generated tokens. */
  readonly maxTokens: number;
  readonly temperature?: number;
  readonly topP?: number;
  /** Makes the output text deterministic. */
  readonly seed?: number;
  /** Generation ends when the output text contains one of these; the stop string is not returned. */
  readonly stop?: readonly string[];
  /** Generate exactly maxTokens, never stopping at end-of-sequence (vLLM's ignore_eos). */
  readonly ignoreEos?: boolean;
}

/**
 * vLLM NixlConnector's kv_transfer_params, field names as vLLM spells them on the wire.
 * Prefill side sends do_remote_decode=true and gets back the remote_* fields; decode side sends
 * do_remote_prefill=true with those fields.
 */
export interface KvTransferParams {
  readonly do_remote_decode?: boolean;
  readonly do_remote_prefill?: boolean;
  readonly remote_engine_id?: string | null;
  readonly remote_block_ids?: readonly number[] | null;
  readonly remote_host?: string | null;
  readonly remote_port?: number | null;
  readonly remote_request_id?: string | null;
  readonly tp_size?: number;
}

export interface EngineRequest {
  readonly requestId: string;
  readonly prompt: PromptInput;
  readonly sampling: SamplingParams;
  readonly kvTransfer?: KvTransferParams;
  /** Aborting frees the request's slot and KV blocks in the engine. */
  readonly signal?: AbortSignal;
  /**
   * The prompt's token ids as the engine's own tokenizer computes them, when the caller already has them
   * (tokenized once in the ingress): SimEngine uses them instead of tokenizing again; vLLM tokenizes itself.
   */
  readonly promptTokenIds?: readonly number[];
}

export const FinishReason = { Stop: 'stop', Length: 'length', Abort: 'abort' } as const;
export type FinishReason = (typeof FinishReason)[keyof typeof FinishReason];

export interface EngineUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Prompt tokens served from the prefix cache (or pulled from a remote prefill), not recomputed. */
  readonly cachedPromptTokens: number;
}

export type EngineOutput =
  | { readonly type: 'tokens'; readonly text: string; readonly tokenIds: readonly number[] }
  | {
      readonly type: 'finished';
      readonly finishReason: FinishReason;
      readonly usage: EngineUsage;
      /** Returned by a prefill (do_remote_decode) for the decode side. */
      readonly kvTransfer?: KvTransferParams;
      /** ms from arrival to first scheduled step. */
      readonly queuedMs: number;
      /** ms from arrival to first output token. */
      readonly ttftMs: number;
    };

/** A snapshot of the engine's load, with vLLM's gauges as its source of truth. */
export interface EngineLoad {
  /** vllm:num_requests_running */
  readonly runningRequests: number;
  /** vllm:num_requests_waiting */
  readonly waitingRequests: number;
  /** vllm:kv_cache_usage_perc, in [0,1]. */
  readonly kvCacheUsage: number;
  /** vllm:cache_config_info num_gpu_blocks. */
  readonly numGpuBlocks: number;
  /** vllm:cache_config_info block_size, tokens per KV block. */
  readonly blockSize: number;
  /** vllm:prefix_cache_queries_total, tokens. */
  readonly prefixCacheQueries: number;
  /** vllm:prefix_cache_hits_total, tokens. */
  readonly prefixCacheHits: number;
}

/**
 * An engine's KV-block hash, canonicalised to a string so that integer hashes (vLLM's default
 * builtin/sha256_cbor_64bit, possibly beyond 2^53) and byte hashes (sha256) compare and key maps alike.
 * Integers: decimal digits; bytes: 'x' followed by lowercase hex.
 */
export type EngineBlockHash = string;

/** vLLM's KV cache events (vllm/distributed/kv_events.py), in-process form. */
export type KvCacheEvent =
  | {
      readonly type: 'BlockStored';
      readonly blockHashes: readonly EngineBlockHash[];
      readonly parentBlockHash: EngineBlockHash | null;
      readonly tokenIds: readonly number[];
      readonly blockSize: number;
      readonly loraId: number | null;
      readonly medium: string | null;
    }
  | { readonly type: 'BlockRemoved'; readonly blockHashes: readonly EngineBlockHash[]; readonly medium: string | null }
  | { readonly type: 'AllBlocksCleared' };

/** vLLM's KVEventBatch: [ts (s since epoch, float), events, data_parallel_rank]. */
export interface KvEventBatch {
  /** seconds since the epoch (engine clock). */
  readonly ts: number;
  readonly events: readonly KvCacheEvent[];
  readonly dataParallelRank: number | null;
}

export type KvEventListener = (batch: KvEventBatch) => void;

export interface Engine {
  readonly kind: EngineKind;
  /** The model this engine serves (the OpenAI `model` field). */
  readonly model: string;
  /**
   * The longest sequence (prompt + output) the engine runs, tokens (vLLM's max_model_len), once known
   * (VllmEngine: after start()). Workers check requests against it and register it for the schedulers.
   */
  readonly maxModelLen?: number | undefined;
  start(): Promise<void>;
  /**
   * Runs one request. Yields token chunks then exactly one 'finished' output. Aborting the request's
   * signal ends the iteration with finishReason 'abort'. Throws EngineError on engine failure.
   */
  generate(request: EngineRequest): AsyncIterable<EngineOutput>;
  load(): EngineLoad;
  /** Subscribes to the engine's KV cache events; returns the unsubscribe function. */
  onKvEvents(listener: KvEventListener): () => void;
  /**
   * P/D prefill side: the decode side has pulled this request's KV blocks, free them now rather than at
   * the lease's end. Engines whose transfer layer frees blocks itself (vLLM's NixlConnector) omit it.
   */
  releaseRemoteBlocks?(requestId: string): boolean;
  /** Idempotent. Aborts running requests. */
  close(): Promise<void>;
}

export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    message: string,
    /** true when the request may succeed if retried elsewhere (engine down, overloaded). */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
