// One inference call as both front doors (HTTP and NATS) run it: one server span, validation and the
// model check, dispatch, delivery of chunks (stream) or one body, and the call's metrics (outcome,
// time to first token, inter-token latency, tokens).
import { randomUUID } from 'node:crypto';
import type { WorkerDirectory } from '../../shared/fleet/index.js';
import { AtcError, ErrorCode } from '../../shared/protocol/index.js';
import {
  AtcAttr,
  GenAiAttr,
  GenAiOperation,
  RequestOutcome,
  SemconvAttr,
  SpanKind,
  loggablePrompt,
  requestLogger,
  withSpan,
  type Context,
  type IngressMetrics,
  type Logger,
  type Span,
} from '../../shared/telemetry/index.js';
import { hopNow, type HopStamps } from '../../shared/telemetry/hop-timing.js';
import type { TokenizerPool } from '../../shared/tokenizer/index.js';
import type { DispatchEvent, Dispatcher } from './dispatcher.js';
import { HttpError, duplicateRequestId, invalidRequest, toHttpError } from './openai-errors.js';
import { ApiKind, parseInferenceRequest, type InferenceJob, type RequestLimits } from './openai-request.js';
import { ResponseBuilder } from './openai-response.js';

export interface InferenceSink {
  /** Streaming: one OpenAI chunk object. */
  chunk(chunk: object): void;
  /** Non-streaming: the whole body, with where and how fast the engine served it. */
  body(body: object, served: { workerId: string; prefillWorkerId?: string; prefillFallback?: string; engineTtftMs: number }): void;
}

export interface InferenceCall {
  readonly kind: ApiKind;
  readonly transport: 'http' | 'nats';
  readonly requestId: string;
  /** Reads the body as text (throws HttpError for an oversized one). */
  readonly readBody: () => Promise<string>;
  /** Lower-cased request headers the scheduler may read. */
  readonly headers: Record<string, string>;
  /** Trace context the caller sent (traceparent), or the root context. */
  readonly parent: Context;
  readonly signal: AbortSignal;
  readonly sink: InferenceSink;
  /** Bench-only hop stamps (ATC_HOP_TIMING=1), filled in along the path; absent otherwise. */
  readonly hops?: HopStamps;
}

function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRequest('request body is not valid JSON', null, 'invalid_json');
  }
}

export class InferenceFrontDoor {
  /** Ids of the requests being served. */
  private readonly requestIds = new Set<string>();

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly directory: WorkerDirectory,
    readonly limits: RequestLimits,
    private readonly metrics: IngressMetrics,
    private readonly logger: Logger,
    /** Log prompt text itself (--log-prompts); otherwise only its size. */
    private readonly logPrompts = false,
    /** Tokenizes text and chat prompts once, here, so the scheduler's decision thread does not. */
    private readonly tokenizer?: TokenizerPool,
  ) {}

  /**
   * Why this ingress cannot serve requests now (readiness): NATS or the JetStream registry unreachable,
   * or no live worker; undefined when ready.
   */
  unavailableReason(): string | undefined {
    return this.directory.unavailableReason ?? (this.directory.live().length === 0 ? 'no workers' : undefined);
  }

  /** Models served by at least one live worker. */
  models(): string[] {
    return [...new Set(this.directory.live().flatMap((w) => w.registration.models))].sort();
  }

  /** Validates the body and the model; throws HttpError without side effects when either is bad. */
  prepare(kind: ApiKind, body: unknown): InferenceJob {
    const job = parseInferenceRequest(kind, body, this.limits);
    const served = this.models();
    if (!served.includes(job.model)) {
      if (served.length === 0)
        throw new HttpError(503, 'no worker is serving any model right now', 'service_unavailable_error', 'no_worker_available');
      throw new HttpError(
        404,
        `The model '${job.model}' does not exist. Served models: ${served.join(', ')}`,
        'invalid_request_error',
        'model_not_found',
        'model',
      );
    }
    return job;
  }

  newRequestId(given?: string): string {
    return given && /^[A-Za-z0-9_.:-]{1,128}$/.test(given) ? given : randomUUID();
  }

  /**
   * Serves one call end to end; resolves with whether it was streamed (the transport then ends the
   * stream). Throws HttpError (the status and OpenAI body to answer with) on failure, before or after
   * the first chunk; a cancelled call throws the signal's reason.
   */
  async serve(call: InferenceCall): Promise<{ readonly stream: boolean }> {
    const api = call.kind === ApiKind.Chat ? 'chat_completions' : 'completions';
    const startedAt = performance.now();
    let model = 'unknown';
    let outcome: string = RequestOutcome.Ok;
    let stream = false;
    // A second request under a running one's id would share its cancellation and its worker-side state.
    if (this.requestIds.has(call.requestId)) throw duplicateRequestId(call.requestId);
    this.requestIds.add(call.requestId);
    this.metrics.inFlight.inc({ api, transport: call.transport });
    try {
      await withSpan(
        `${call.kind === ApiKind.Chat ? 'chat' : 'completions'} ${call.transport}`,
        {
          [AtcAttr.RequestId]: call.requestId,
          [GenAiAttr.OperationName]: call.kind === ApiKind.Chat ? GenAiOperation.Chat : GenAiOperation.TextCompletion,
          [SemconvAttr.HttpRoute]: call.kind === ApiKind.Chat ? '/v1/chat/completions' : '/v1/completions',
        },
        async (span) => {
          const log = requestLogger(this.logger, call.requestId);
          try {
            const bodyText = await call.readBody();
            if (call.hops) call.hops['bodyRead'] = hopNow();
            let job = this.prepare(call.kind, parseJsonBody(bodyText));
            if (this.tokenizer && !('tokenIds' in job.prompt)) {
              const { tokenIds, blockHashes } = await this.tokenizer.tokenize(job.prompt);
              job = { ...job, promptTokens: { tokenizer: this.tokenizer.tokenizer, tokenIds }, ...(blockHashes ? { blockHashes } : {}) };
            }
            if (call.hops) call.hops['prepared'] = hopNow();
            model = job.model;
            stream = job.stream;
            span.setAttributes({
              [GenAiAttr.RequestModel]: job.model,
              [GenAiAttr.RequestMaxTokens]: job.sampling.maxTokens,
              [GenAiAttr.RequestStream]: job.stream,
            });
            // The prompt itself only with --log-prompts; otherwise its size.
            const prompt = 'text' in job.prompt ? job.prompt.text : 'messages' in job.prompt ? job.prompt.messages : job.prompt.tokenIds;
            log.debug(
              { model: job.model, stream: job.stream, maxTokens: job.sampling.maxTokens, prompt: loggablePrompt(prompt, this.logPrompts) },
              'request accepted',
            );
            await this.run(call, job, span, startedAt, log);
          } catch (err) {
            if (call.signal.aborted) {
              outcome = RequestOutcome.Cancelled;
              log.info('client went away: request cancelled');
              throw call.signal.reason instanceof Error ? call.signal.reason : new AtcError(ErrorCode.Cancelled, 'cancelled');
            }
            const e = toHttpError(err);
            outcome = e.code ?? 'internal_error';
            log[e.status >= 500 ? 'warn' : 'info']({ status: e.status, code: e.code, param: e.param, err: e.message }, 'request failed');
            throw e;
          }
        },
        { kind: SpanKind.SERVER, parent: call.parent },
      );
    } finally {
      this.requestIds.delete(call.requestId);
      this.metrics.inFlight.dec({ api, transport: call.transport });
      this.metrics.requests.inc({ api, transport: call.transport, model, outcome });
      if (outcome === RequestOutcome.Ok) this.metrics.requestDuration.observe({ model }, (performance.now() - startedAt) / 1000);
    }
    return { stream };
  }

  private async run(call: InferenceCall, job: InferenceJob, span: Span, startedAt: number, log: Logger): Promise<void> {
    const builder = new ResponseBuilder(job, call.requestId);
    let text = '';
    let finished: Extract<DispatchEvent, { type: 'finished' }> | undefined;
    let lastTokenAt: number | undefined;
    for await (const event of this.dispatcher.run(call.requestId, job, call.headers, call.signal, call.hops)) {
      if (event.type === 'tokens') {
        const now = performance.now();
        if (lastTokenAt === undefined) {
          // A non-streamed result arrives whole: its first token came sinceFirstTokenMs before (worker's clock).
          const ttftS = (now - (event.sinceFirstTokenMs ?? 0) - startedAt) / 1000;
          this.metrics.timeToFirstToken.observe({ model: job.model }, ttftS);
          span.setAttributes({ [AtcAttr.TtftMs]: ttftS * 1000 });
          if (event.sinceFirstTokenMs !== undefined && event.tokenCount > 1) {
            // Its inter-token gaps as the worker saw them, on average: tokenCount - 1 gaps.
            const perToken = event.sinceFirstTokenMs / 1000 / (event.tokenCount - 1);
            for (let i = 1; i < event.tokenCount; i++) this.metrics.interTokenLatency.observe({ model: job.model }, perToken);
          }
        } else if (event.tokenCount > 0) {
          // Per token, as vLLM's inter-token histogram counts: a chunk of n tokens is n gaps of (gap / n).
          const perToken = (now - lastTokenAt) / 1000 / event.tokenCount;
          for (let i = 0; i < event.tokenCount; i++) this.metrics.interTokenLatency.observe({ model: job.model }, perToken);
        }
        lastTokenAt = now;
        text += event.text;
      } else {
        finished = event;
      }
      if (job.stream) for (const c of builder.chunks(event)) call.sink.chunk(c);
    }
    if (!finished) throw new AtcError(ErrorCode.Internal, 'the stream ended without a result');
    const labels = { model: job.model };
    this.metrics.promptTokens.inc(labels, finished.promptTokens);
    this.metrics.cachedPromptTokens.inc(labels, finished.cachedPromptTokens);
    this.metrics.generationTokens.inc(labels, finished.completionTokens);
    span.setAttributes({
      [GenAiAttr.UsageInputTokens]: finished.promptTokens,
      [GenAiAttr.UsageOutputTokens]: finished.completionTokens,
      [GenAiAttr.UsageCacheReadInputTokens]: finished.cachedPromptTokens,
      [GenAiAttr.ResponseFinishReasons]: [finished.finishReason],
      [AtcAttr.DecodeWorker]: finished.workerId,
      ...(finished.prefillWorkerId ? { [AtcAttr.PrefillWorker]: finished.prefillWorkerId } : {}),
    });
    if (lastTokenAt === undefined) this.metrics.timeToFirstToken.observe(labels, (performance.now() - startedAt) / 1000);
    log.debug(
      {
        workerId: finished.workerId,
        usage: { prompt: finished.promptTokens, completion: finished.completionTokens, cached: finished.cachedPromptTokens },
      },
      'request done',
    );
    if (!job.stream) {
      call.sink.body(builder.body(text, finished), {
        workerId: finished.workerId,
        engineTtftMs: finished.engineTtftMs,
        ...(finished.prefillWorkerId ? { prefillWorkerId: finished.prefillWorkerId } : {}),
        ...(finished.prefillFallback ? { prefillFallback: finished.prefillFallback } : {}),
      });
    }
  }
}
