// Wire messages between llm-atc services: a discriminated union on `type`, whose suffix is the
// message version. Wire types only; decoding validates every field (see codec.ts).
import type { PromptInput } from '../engine/types.js';
import type { WorkerRole } from './worker-role.js';

/**
 * An engine's load as a worker reports it: the wire's own shape (a field added to the engine's in-process
 * EngineLoad does not change the protocol until it is added here, with a new message version).
 */
export interface WireEngineLoad {
  /** vllm:num_requests_running */
  readonly runningRequests: number;
  /** vllm:num_requests_waiting */
  readonly waitingRequests: number;
  /** vllm:kv_cache_usage_perc, in [0,1]. */
  readonly kvCacheUsage: number;
  /** num_gpu_blocks of the engine's KV cache. */
  readonly numGpuBlocks: number;
  /** tokens per KV block. */
  readonly blockSize: number;
  /** vllm:prefix_cache_queries_total, tokens. */
  readonly prefixCacheQueries: number;
  /** vllm:prefix_cache_hits_total, tokens. */
  readonly prefixCacheHits: number;
}

export interface WireSampling {
  readonly maxTokens: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly seed?: number;
  readonly stop?: readonly string[];
  readonly ignoreEos?: boolean;
}

/** ingress -> scheduler. */
export interface PickRequestV1 {
  readonly type: 'pick.request.v1';
  readonly requestId: string;
  readonly model: string;
  readonly prompt: PromptInput;
  readonly maxTokens: number;
  /** Lower-cased request headers the scheduling plugins may read (session affinity, SLOs). */
  readonly headers: Readonly<Record<string, string>>;
  /** Workers that already failed this request. */
  readonly excludeWorkers: readonly string[];
  /** ms since the epoch after which the request is abandoned. */
  readonly deadlineMs: number;
  /**
   * ms the sender waits for this pick beyond its usual timeout: the longest a scheduler may hold the
   * request in its flow-control queue. Absent or 0: admit at once or reject, never queue.
   */
  readonly maxQueueMs?: number;
  /**
   * A text or chat prompt's token ids as the sender tokenized it (the ingress does, off the scheduler's
   * thread). The scheduler uses them when `tokenizer` names its own tokenizer, else tokenizes itself.
   */
  readonly promptTokens?: WirePromptTokens;
  /**
   * The scheduler's block hashes of the prompt's token ids, computed by the sender off the scheduler's
   * decision thread (the ingress's tokenizer pool, or the ingress itself for picks over NATS). The scheduler
   * uses them when their block size is its own and their count fits the prompt, else hashes the ids itself.
   */
  readonly blockHashes?: WireBlockHashes;
}

/** computeBlockHashes(tokenIds, blockSize) of a prompt. */
export interface WireBlockHashes {
  /** Tokens per block. */
  readonly blockSize: number;
  /** One 53-bit integer per full block; on the wire a msgpack bin of float64 values. */
  readonly hashes: Float64Array;
}

/** Token ids of a prompt and the tokenizer (PromptTokenizer.name) that computed them. */
export interface WirePromptTokens {
  readonly tokenizer: string;
  readonly tokenIds: readonly number[];
}

/** scheduler -> ingress. */
export interface PickReplyV1 {
  readonly type: 'pick.reply.v1';
  readonly requestId: string;
  readonly decodeWorkerId: string;
  readonly prefillWorkerId?: string;
  /** Human-readable reason for logs and traces. */
  readonly reason: string;
}

/** ingress -> decode worker (request-reply; the reply is a GenerateAcceptedV1 or ErrorV1, tokens go to streamTo). */
export interface GenerateRequestV1 {
  readonly type: 'generate.request.v1';
  readonly requestId: string;
  readonly model: string;
  readonly prompt: PromptInput;
  readonly sampling: WireSampling;
  /** Subject the worker publishes StreamV1 messages to. */
  readonly streamTo: string;
  readonly deadlineMs: number;
  readonly prefillWorkerId?: string;
  /** A text or chat prompt's token ids, as on the pick request: the worker's engine need not tokenize again. */
  readonly promptTokens?: WirePromptTokens;
  /**
   * false: the requester wants only the result (a non-streaming completion): the worker sends no token
   * messages, and the finished message carries the whole text. Absent or true: tokens as they come.
   */
  readonly stream?: boolean;
}

export interface GenerateAcceptedV1 {
  readonly type: 'generate.accepted.v1';
  readonly requestId: string;
  readonly workerId: string;
}

/** decode worker -> prefill worker (request-reply). */
export interface PrefillRequestV1 {
  readonly type: 'prefill.request.v1';
  readonly requestId: string;
  readonly model: string;
  readonly prompt: PromptInput;
  readonly deadlineMs: number;
}

export interface PrefillReplyV1 {
  readonly type: 'prefill.reply.v1';
  readonly requestId: string;
  readonly workerId: string;
  readonly promptTokens: number;
  readonly cachedPromptTokens: number;
  /** Key of the KV-block handoff record (empty when the engine produced none). */
  readonly handoffKey: string;
}

/** decode worker -> prefill worker: the handed-off KV blocks were pulled; the prefill engine may free them. */
export interface KvReleaseV1 {
  readonly type: 'kv.release.v1';
  /** The prefill engine's request id (remote_request_id). */
  readonly requestId: string;
}

export interface CancelV1 {
  readonly type: 'cancel.v1';
  readonly requestId: string;
}

export interface StreamTokensV1 {
  readonly type: 'stream.tokens.v1';
  readonly requestId: string;
  /** Starts at 0 and grows by one per stream message, so a gap is visible. */
  readonly seq: number;
  readonly text: string;
  readonly tokenCount: number;
}

export interface StreamFinishedV1 {
  readonly type: 'stream.finished.v1';
  readonly requestId: string;
  readonly seq: number;
  readonly finishReason: 'stop' | 'length' | 'abort';
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedPromptTokens: number;
  /** Engine-side ms from arrival to first token. */
  readonly engineTtftMs: number;
  readonly queuedMs: number;
  /** Set when the prompt was really prefilled remotely, on this prefill worker. */
  readonly prefillWorkerId?: string;
  /** Set when a remote prefill was asked for but the worker prefilled locally: why (a short code, e.g. worker_lost). */
  readonly prefillFallback?: string;
  /** The whole completion, when the request was not streamed (GenerateRequestV1.stream false). */
  readonly text?: string;
  /** Not streamed: ms at the worker from the first token to this message (the ingress's TTFT is now minus it). */
  readonly sinceFirstTokenMs?: number;
}

/** Sent while a request is queued or prefilling so the ingress can tell a slow engine from a dead worker. */
export interface StreamKeepaliveV1 {
  readonly type: 'stream.keepalive.v1';
  readonly requestId: string;
  readonly seq: number;
}

export interface ErrorV1 {
  readonly type: 'error.v1';
  readonly requestId: string;
  readonly seq?: number;
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  /** ms after which trying again is worth it (code overloaded). */
  readonly retryAfterMs?: number;
}

export type StreamMessageV1 = StreamTokensV1 | StreamFinishedV1 | StreamKeepaliveV1 | ErrorV1;

/** A worker's registry entry in the workers KV bucket. */
export interface WorkerRegistrationV1 {
  readonly type: 'worker.registration.v1';
  readonly workerId: string;
  readonly role: WorkerRole;
  readonly models: readonly string[];
  readonly engineKind: string;
  /** The engine's max_model_len, tokens, when known: schedulers refuse longer prompts before any engine is asked. */
  readonly maxModelLen?: number;
  readonly startedAtMs: number;
  /** ms since the epoch of this heartbeat. */
  readonly heartbeatAtMs: number;
  /** host:port of the worker's direct connection (`--direct-listen`), when it takes generate requests there too. */
  readonly directAddress?: string;
}

/** worker -> ingress, the reply on atc.worker.<id>.direct: how to open the worker's direct connection. */
export interface DirectGrantV1 {
  readonly type: 'direct.grant.v1';
  readonly workerId: string;
  /** host:port to connect to. */
  readonly address: string;
  /** The secret the connection's first frame must carry (random per worker process). */
  readonly token: string;
}

/** A worker's periodic load report. */
export interface LoadReportV1 {
  readonly type: 'load.report.v1';
  readonly workerId: string;
  readonly role: WorkerRole;
  readonly seq: number;
  readonly reportedAtMs: number;
  readonly load: WireEngineLoad;
  /** Requests the worker holds (accepted and not finished), engine queues included. */
  readonly activeRequests: number;
}

/** A decode worker's record of a finished request: schedulers settle in-flight accounting and learn latency from it. */
export interface RequestCompletedV1 {
  readonly type: 'request.completed.v1';
  readonly workerId: string;
  readonly requestId: string;
  readonly finishReason: 'stop' | 'length' | 'abort' | 'error';
  readonly promptTokens: number;
  readonly cachedPromptTokens: number;
  readonly completionTokens: number;
  /** Engine ms from arrival to first token (0 when none came). */
  readonly ttftMs: number;
  /** Worker ms from acceptance to the end. */
  readonly e2eMs: number;
  /** Requests running on the engine when this one arrived (for latency models). */
  readonly runningAtArrival: number;
  readonly waitingAtArrival: number;
}

/** A decode worker's note that a request produced its first token (its prefill is done). */
export interface RequestFirstTokenV1 {
  readonly type: 'request.first_token.v1';
  readonly workerId: string;
  readonly requestId: string;
}

export type WireMessage =
  | PickRequestV1
  | PickReplyV1
  | GenerateRequestV1
  | GenerateAcceptedV1
  | PrefillRequestV1
  | PrefillReplyV1
  | CancelV1
  | KvReleaseV1
  | StreamMessageV1
  | WorkerRegistrationV1
  | DirectGrantV1
  | LoadReportV1
  | RequestCompletedV1
  | RequestFirstTokenV1;

export type WireType = WireMessage['type'];
