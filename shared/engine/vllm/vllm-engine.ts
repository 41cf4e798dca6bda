// VllmEngine: the Engine a worker runs in front of a real vLLM server. Requests go over vLLM's
// OpenAI HTTP API, load comes from polling its /metrics, KV events from its ZMQ publisher.
import { EngineError, EngineKind, FinishReason } from '../types.js';
import type { Engine, EngineLoad, EngineOutput, EngineRequest, EngineUsage, KvEventListener, KvTransferParams } from '../types.js';
import { completionPath, completionRequestBody, needsNonStreaming } from './completion-request.js';
import { completionPiece } from './completion-response.js';
import type { CompletionPiece } from './completion-response.js';
import { KvEventSubscriber } from './kv-event-stream.js';
import type { KvEventGapListener } from './kv-event-stream.js';
import { MetricsPoller } from './metrics-poller.js';
import { SSE_DONE, sseDataPayloads } from './sse.js';
import { connectionError, httpStatusError } from './vllm-http-errors.js';

export interface VllmEngineOptions {
  /** vLLM's HTTP root, e.g. 'http://10.0.0.5:8000' (a trailing '/v1' is accepted and dropped). */
  readonly baseUrl: string;
  /** The served model name (vLLM's --served-model-name). */
  readonly model: string;
  /** vLLM's KV-event ZMQ PUB endpoint to connect to, e.g. 'tcp://10.0.0.5:5557'. Default: none (no KV events). */
  readonly kvEventsEndpoint?: string;
  /** ZMQ topic prefix; default '' (vLLM's default topic). */
  readonly kvEventsTopic?: string;
  /** /metrics polling period, ms. Default 1000. */
  readonly metricsPollMs?: number;
  /** Upper bound on one request, from send to last token, ms. Default 600000 (10 min). */
  readonly requestTimeoutMs?: number;
  /** How long start() waits for /health to answer 200, ms. Default 600000 (model loading takes minutes). */
  readonly startTimeoutMs?: number;
  /** Background failures (metrics poll, malformed KV events); default: ignored. */
  readonly onBackgroundError?: (error: Error) => void;
}

function positive(value: number | undefined, fallback: number, field: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new TypeError(`VllmEngine option ${field} must be a positive number, got ${v}`);
  return v;
}

export class VllmEngine implements Engine {
  readonly kind = EngineKind.Vllm;
  readonly model: string;
  private readonly baseUrl: string;
  private readonly requestTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private readonly poller: MetricsPoller;
  private readonly kvListeners = new Set<KvEventListener>();
  private readonly gapListeners = new Set<KvEventGapListener>();
  private readonly inflight = new Set<AbortController>();
  private subscriber: KvEventSubscriber | undefined;
  private closed = false;
  /** From /v1/models (vLLM's model card carries max_model_len), read at start(). */
  maxModelLen: number | undefined;

  constructor(private readonly options: VllmEngineOptions) {
    if (!/^https?:\/\//.test(options.baseUrl))
      throw new TypeError(`VllmEngine option baseUrl must be an http(s) URL, got '${options.baseUrl}'`);
    if (!options.model) throw new TypeError('VllmEngine option model must be a non-empty string');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
    this.model = options.model;
    this.requestTimeoutMs = positive(options.requestTimeoutMs, 600_000, 'requestTimeoutMs');
    this.startTimeoutMs = positive(options.startTimeoutMs, 600_000, 'startTimeoutMs');
    this.poller = new MetricsPoller({
      url: `${this.baseUrl}/metrics`,
      periodMs: positive(options.metricsPollMs, 1000, 'metricsPollMs'),
      onError: (error) => options.onBackgroundError?.(error),
    });
  }

  /** Waits for /health, subscribes to KV events (loading zeromq), then reads /metrics once and keeps polling it. */
  async start(): Promise<void> {
    if (this.closed) throw new EngineError('VllmEngine is closed', false);
    const deadline = Date.now() + this.startTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(`${this.baseUrl}/health`, { signal: AbortSignal.timeout(5000) });
        await response.arrayBuffer();
        if (response.ok) break;
      } catch {
        // not up yet
      }
      if (Date.now() >= deadline) throw new EngineError(`vLLM at ${this.baseUrl} not healthy after ${this.startTimeoutMs} ms`, true);
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      if (this.closed) throw new EngineError('VllmEngine closed while starting', false);
    }
    if (this.options.kvEventsEndpoint && !this.subscriber) {
      this.subscriber = new KvEventSubscriber({
        endpoint: this.options.kvEventsEndpoint,
        topic: this.options.kvEventsTopic ?? '',
        onBatch: (batch) => {
          for (const listener of this.kvListeners) listener(batch);
        },
        onGap: (gap) => {
          for (const listener of this.gapListeners) listener(gap);
        },
        onError: (error) => this.options.onBackgroundError?.(error),
      });
      // Loads zeromq here, the first time: a worker without a KV-events endpoint never needs it.
      try {
        await this.subscriber.start();
      } catch (error) {
        this.subscriber.close();
        this.subscriber = undefined;
        throw error;
      }
    }
    await this.poller.start();
    this.maxModelLen = await this.readMaxModelLen();
  }

  /** vLLM's /v1/models lists max_model_len per served model; undefined when it does not say. */
  private async readMaxModelLen(): Promise<number | undefined> {
    try {
      const response = await fetch(`${this.baseUrl}/v1/models`, { signal: AbortSignal.timeout(5000) });
      const body = (await response.json()) as { data?: Array<{ id?: unknown; max_model_len?: unknown }> };
      const card = body.data?.find((m) => m.id === this.model) ?? body.data?.[0];
      const len = card?.max_model_len;
      return typeof len === 'number' && Number.isInteger(len) && len > 0 ? len : undefined;
    } catch {
      return undefined;
    }
  }

  load(): EngineLoad {
    return this.poller.load;
  }

  onKvEvents(listener: KvEventListener): () => void {
    this.kvListeners.add(listener);
    return () => this.kvListeners.delete(listener);
  }

  /**
   * Called when the KV-event sequence breaks (batches lost, or vLLM restarted): whatever a listener
   * derived from the events (a prefix-cache index) is incomplete from then on.
   */
  onKvEventGap(listener: KvEventGapListener): () => void {
    this.gapListeners.add(listener);
    return () => this.gapListeners.delete(listener);
  }

  async *generate(request: EngineRequest): AsyncGenerator<EngineOutput> {
    if (this.closed) throw new EngineError('VllmEngine is closed', true);
    const started = performance.now();
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(request.signal?.reason);
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new DOMException('request timed out', 'TimeoutError')), this.requestTimeoutMs);
    this.inflight.add(controller);
    const state = {
      tokens: 0,
      ttftMs: 0,
      usage: undefined as EngineUsage | undefined,
      kvTransfer: undefined as KvTransferParams | undefined,
    };
    const url = `${this.baseUrl}${completionPath(request)}`;
    const stream = !needsNonStreaming(request);
    try {
      let finishReason: FinishReason | undefined;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': request.requestId },
          body: JSON.stringify(completionRequestBody(this.model, request, stream)),
          signal: controller.signal,
        });
        if (!response.ok) throw httpStatusError(response.status, await response.text(), url);
        const pieces = stream ? this.streamPieces(response) : this.wholePiece(response);
        for await (const piece of pieces) {
          if (piece.usage) state.usage = piece.usage;
          if (piece.kvTransfer) state.kvTransfer = piece.kvTransfer;
          if (piece.text !== '' || (piece.tokenIds?.length ?? 0) > 0) {
            if (state.tokens === 0) state.ttftMs = performance.now() - started;
            state.tokens += piece.tokenIds?.length ?? 1;
            yield { type: 'tokens', text: piece.text, tokenIds: piece.tokenIds ?? [] };
          }
          finishReason = piece.finishReason ?? finishReason;
        }
      } catch (error) {
        if (
          controller.signal.aborted &&
          !(controller.signal.reason instanceof DOMException && controller.signal.reason.name === 'TimeoutError')
        ) {
          finishReason = FinishReason.Abort;
        } else if (error instanceof EngineError) {
          throw error;
        } else {
          // Only a failure before any token is safe to retry elsewhere: the caller has not streamed anything yet.
          const mapped = connectionError(controller.signal.reason ?? error, url);
          throw state.tokens === 0 ? mapped : new EngineError(mapped.message, false, { cause: error });
        }
      }
      if (finishReason === undefined) throw new EngineError(`vLLM ${url} stream ended without a finish reason`, state.tokens === 0);
      yield {
        type: 'finished',
        finishReason,
        usage: state.usage ?? { promptTokens: 0, completionTokens: state.tokens, cachedPromptTokens: 0 },
        ...(state.kvTransfer ? { kvTransfer: state.kvTransfer } : {}),
        // Queueing inside vLLM is not observable over HTTP.
        queuedMs: 0,
        ttftMs: state.tokens > 0 ? state.ttftMs : performance.now() - started,
      };
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      this.inflight.delete(controller);
      // Leaving early (consumer stopped iterating) must also cancel the HTTP request, so vLLM aborts the sequence.
      controller.abort();
    }
  }

  private async *streamPieces(response: Response): AsyncGenerator<CompletionPiece> {
    if (!response.body) throw new EngineError('vLLM stream response has no body', true);
    for await (const data of sseDataPayloads(response.body as AsyncIterable<Uint8Array>)) {
      if (data === SSE_DONE) return;
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch (error) {
        throw new EngineError(`vLLM sent a malformed stream chunk: ${data.slice(0, 100)}`, false, { cause: error });
      }
      yield completionPiece(json);
    }
  }

  private async *wholePiece(response: Response): AsyncGenerator<CompletionPiece> {
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new EngineError(`vLLM sent a malformed completion body: ${text.slice(0, 100)}`, false, { cause: error });
    }
    yield completionPiece(json);
  }

  /** Idempotent: aborts in-flight requests, stops polling, closes the KV-event socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const steps: Array<() => void> = [
      () => this.subscriber?.close(),
      () => this.poller.close(),
      () => {
        for (const controller of this.inflight) controller.abort(new Error('VllmEngine closed'));
      },
    ];
    for (const step of steps) {
      try {
        step();
      } catch (error) {
        this.options.onBackgroundError?.(error instanceof Error ? error : new Error(String(error)));
      }
    }
    this.kvListeners.clear();
    this.gapListeners.clear();
  }
}
