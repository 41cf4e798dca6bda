// Serves generate requests: accepts a request, runs it on the engine, and streams its tokens back to the
// requester. Requests come on atc.worker.<id>.generate (answers to the requester's NATS subject) or on a
// direct connection (`--direct-listen`, answers on the same connection); the handling is the same. A
// keepalive goes out while nothing else does, so the requester can tell a queued request from a dead
// worker. Cancel messages and deadlines abort the engine's work.
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import type { Context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { EventOutbox } from './event-outbox.js';
import { EngineError, type Engine } from '../../shared/engine/types.js';
import {
  AtcError,
  ErrorCode,
  ProtocolError,
  decodeMessage,
  encodeMessage,
  eventSubjects,
  type GenerateRequestV1,
  type RequestCompletedV1,
  type StreamMessageV1,
} from '../../shared/protocol/index.js';
import {
  AtcAttr,
  GenAiAttr,
  SpanKind,
  SpanName,
  contextFromMessage,
  requestLogger,
  startSpan,
  withSpan,
  type Span,
  type WorkerMetrics,
} from '../../shared/telemetry/index.js';
import { HOP_TIMING, hopHeaders, hopNow, type HopStamps } from '../../shared/telemetry/hop-timing.js';
import { promptTokenizer } from '../../shared/tokenizer/index.js';
import type { PrefillClient } from './prefill-client.js';

export interface GenerateHandlerOptions {
  readonly workerId: string;
  readonly engine: Engine;
  readonly nc: NatsConnection;
  /** Where events for schedulers go (first token, completion): after the requester's messages. */
  readonly events: EventOutbox;
  readonly logger: Logger;
  /** ms of silence after which a keepalive is sent. */
  readonly keepaliveMs: number;
  readonly prefill?: PrefillClient;
  readonly metrics: WorkerMetrics;
  /** Called when the set of active requests changes (to report load promptly). */
  readonly onActivityChange?: () => void;
}

/** Largest maxTokens a worker accepts when its engine does not say its context length. */
export const WORKER_MAX_TOKENS_CAP = 1 << 20;

/** Where a generate request's answers go: the requester's NATS subjects, or a direct connection. */
export interface RequesterChannel {
  /** False once the way back is gone (NATS closed, connection dropped): nothing more is sent. */
  readonly open: boolean;
  /** Aborted when the requester is gone for good (its direct connection closed): the request stops. */
  readonly gone?: AbortSignal;
  /** The request's reply: its acceptance, or a refusal. */
  reply(data: Uint8Array): void;
  /** A stream message; `hops` only in hop-timing benches. */
  stream(data: Uint8Array, hops?: HopStamps): void;
}

/** The NATS way back: the reply subject of the request message, and the request's streamTo subject. */
function natsChannel(nc: NatsConnection, msg: Msg, streamTo: string | undefined): RequesterChannel {
  return {
    get open() {
      return !nc.isClosed();
    },
    reply: (data) => {
      if (msg.reply) msg.respond(data);
    },
    stream: (data, hops) => {
      if (streamTo === undefined) return;
      if (hops) nc.publish(streamTo, data, { headers: hopHeaders(hops) });
      else nc.publish(streamTo, data);
    },
  };
}

type StreamBody = StreamMessageV1 extends infer M ? (M extends StreamMessageV1 ? Omit<M, 'seq' | 'requestId'> : never) : never;

export class GenerateHandler {
  private readonly active = new Map<string, AbortController>();

  constructor(private readonly opts: GenerateHandlerOptions) {}

  get activeRequests(): number {
    return this.active.size;
  }

  /** Handles one generate request message from NATS; never throws. */
  handle(msg: Msg): void {
    this.receive(msg.data, contextFromMessage(msg), msg.subject, (request) => natsChannel(this.opts.nc, msg, request?.streamTo));
  }

  /** Handles one generate request from a direct connection, answered on `channel`; never throws. */
  handleDirect(data: Uint8Array, parent: Context, channel: RequesterChannel): void {
    this.receive(data, parent, 'direct', () => channel);
  }

  private receive(data: Uint8Array, parent: Context, source: string, channelFor: (request?: GenerateRequestV1) => RequesterChannel): void {
    const hops: HopStamps | undefined = HOP_TIMING ? { workerReceived: hopNow() } : undefined;
    let request: GenerateRequestV1;
    try {
      request = decodeMessage(data, 'generate.request.v1');
      if (request.model !== this.opts.engine.model)
        throw new ProtocolError(`model ${JSON.stringify(request.model)} is not served by worker ${this.opts.workerId}`);
      if (this.active.has(request.requestId)) throw new ProtocolError(`request ${request.requestId} is already running here`);
      // The worker checks limits itself: its generate subject is reachable by more than our ingress.
      const limit = this.opts.engine.maxModelLen ?? WORKER_MAX_TOKENS_CAP;
      if (request.sampling.maxTokens > limit)
        throw new ProtocolError(`maxTokens ${request.sampling.maxTokens} exceeds this engine's limit of ${limit} tokens`);
    } catch (err) {
      this.opts.logger.warn({ err: String(err), subject: source }, 'rejected generate request');
      this.replyError(channelFor(), '', err);
      return;
    }
    const channel = channelFor(request);
    if (Date.now() >= request.deadlineMs) {
      this.replyError(
        channel,
        request.requestId,
        new AtcError(ErrorCode.DeadlineExceeded, 'deadline passed before the worker accepted the request'),
      );
      return;
    }
    const controller = new AbortController();
    this.active.set(request.requestId, controller);
    const requesterGone = () => controller.abort(new AtcError(ErrorCode.Cancelled, 'the requester connection closed'));
    channel.gone?.addEventListener('abort', requesterGone, { once: true });
    if (channel.gone?.aborted) requesterGone();
    if (hops) hops['workerAccepted'] = hopNow();
    // The acceptance (and the load report it changes) is sent once the engine has the request: a socket
    // write costs a system call (~0.1-0.3 ms on the 2-core VM of BENCHMARKS.md), better spent while the
    // engine computes than before it starts. The requester waits for it only as a liveness check.
    const accepted = encodeMessage({ type: 'generate.accepted.v1', requestId: request.requestId, workerId: this.opts.workerId });
    const accept = () => {
      if (!channel.open) return;
      try {
        channel.reply(accepted);
      } catch (err) {
        // Draining (shutdown): the request is aborted with the rest.
        this.opts.logger.debug({ requestId: request.requestId, err: String(err) }, 'could not accept');
      }
      this.opts.onActivityChange?.();
    };
    const traced = withSpan(
      SpanName.DecodeGenerate,
      {
        [AtcAttr.RequestId]: request.requestId,
        [AtcAttr.WorkerId]: this.opts.workerId,
        [GenAiAttr.RequestModel]: request.model,
        [GenAiAttr.RequestMaxTokens]: request.sampling.maxTokens,
      },
      (span) => this.run(request, channel, controller, span, accept, hops),
      { kind: SpanKind.SERVER, parent },
    );
    void traced
      .catch(() => undefined)
      .finally(() => {
        channel.gone?.removeEventListener('abort', requesterGone);
        this.active.delete(request.requestId);
        this.opts.onActivityChange?.();
      });
  }

  /** Aborts a running request (a cancel message); unknown ids are ignored. */
  cancel(requestId: string, reason = 'cancelled by requester'): void {
    this.active.get(requestId)?.abort(new AtcError(ErrorCode.Cancelled, reason));
  }

  /** Aborts everything (shutdown). */
  abortAll(): void {
    for (const c of this.active.values()) c.abort(new AtcError(ErrorCode.Cancelled, 'worker shutting down', true));
  }

  private replyError(channel: RequesterChannel, requestId: string, err: unknown): void {
    if (!channel.open) return;
    const e = err instanceof AtcError ? err : new ProtocolError(String(err));
    channel.reply(encodeMessage({ type: 'error.v1', requestId, code: e.code, message: e.message, retryable: e.retryable }));
  }

  /** `accept` answers the generate request: called once, before a remote prefill or right after the engine took the request. */
  private async run(
    request: GenerateRequestV1,
    channel: RequesterChannel,
    controller: AbortController,
    span: Span,
    accept: () => void,
    hops?: HopStamps,
  ): Promise<void> {
    const { logger, keepaliveMs, metrics } = this.opts;
    const log = requestLogger(logger, request.requestId);
    let seq = 0;
    let tokensSent = false;
    const acceptedAt = Date.now();
    const atArrival = this.opts.engine.load();
    let engineSpan: Span | undefined;
    let completed: Omit<RequestCompletedV1, 'type' | 'workerId' | 'requestId' | 'e2eMs' | 'runningAtArrival' | 'waitingAtArrival'> = {
      finishReason: 'error',
      promptTokens: 0,
      cachedPromptTokens: 0,
      completionTokens: 0,
      ttftMs: 0,
    };
    let lastSentAt = Date.now();
    const send = (body: StreamBody) => {
      if (!channel.open) return;
      const data = encodeMessage({ ...body, requestId: request.requestId, seq: seq++ });
      channel.stream(data, hops && body.type === 'stream.finished.v1' ? { ...hops, finishedSent: hopNow() } : undefined);
      lastSentAt = Date.now();
    };
    const keepalive = setInterval(
      () => {
        if (Date.now() - lastSentAt >= keepaliveMs) send({ type: 'stream.keepalive.v1' });
      },
      Math.max(50, Math.floor(keepaliveMs / 2)),
    );
    const deadline = setTimeout(
      () => controller.abort(new AtcError(ErrorCode.DeadlineExceeded, 'request deadline exceeded')),
      // Clamped to setTimeout's 32-bit range: a later deadline would otherwise fire at once.
      Math.min(2 ** 31 - 1, Math.max(0, request.deadlineMs - Date.now())),
    );
    try {
      const prefiller = request.prefillWorkerId !== undefined ? this.opts.prefill : undefined;
      // A remote prefill may take seconds: accepted before it starts.
      if (prefiller) accept();
      const outcome = prefiller ? await prefiller.prefill(request, controller.signal, log) : undefined;
      const remote = outcome && 'remote' in outcome ? outcome.remote : undefined;
      // What the ingress tells the client about where the prompt was prefilled (headers).
      const prefillReport =
        outcome === undefined
          ? {}
          : remote
            ? { prefillWorkerId: request.prefillWorkerId! }
            : { prefillFallback: 'fallback' in outcome ? outcome.fallback.split(':')[0]! : 'error' };
      if (request.prefillWorkerId)
        span.setAttributes({ [AtcAttr.PrefillWorker]: request.prefillWorkerId, [AtcAttr.PdFallback]: remote === undefined });
      engineSpan = startSpan(SpanName.EngineGenerate, {
        'atc.engine.kind': this.opts.engine.kind,
        ...(remote ? { 'atc.engine.remote_prefill': true } : {}),
      }).span;
      if (hops) hops['engineSubmit'] = hopNow();
      const outputs = this.opts.engine.generate({
        requestId: request.requestId,
        prompt: request.prompt,
        sampling: request.sampling,
        signal: controller.signal,
        ...(remote ? { kvTransfer: remote.kvTransfer } : {}),
        // Ids the ingress computed with this worker's tokenizer: the engine need not tokenize again.
        ...(request.promptTokens?.tokenizer === promptTokenizer().name ? { promptTokenIds: request.promptTokens.tokenIds } : {}),
      });
      // After the engine's own admission: the engine takes the request when the loop below first asks it for
      // output and admits it on the next turn (setImmediate); this goes one turn later. The requester
      // counts a stream message that comes first as acceptance too, so the order is only a matter of speed.
      if (!prefiller) setImmediate(() => setImmediate(accept));
      // Not streamed: the text goes out once, in the finished message (one message instead of one per chunk).
      const streamed = request.stream !== false;
      let text = '';
      let firstTokenAt: number | undefined;
      for await (const out of outputs) {
        if (out.type === 'tokens') {
          // The first token means the engine has pulled the handed-off blocks: the prefill side may free them.
          remote?.release();
          // Through the outbox: the requester's message (these tokens, or the result of a one-token
          // completion) goes out first, and the schedulers hear of it a moment later.
          if (firstTokenAt === undefined)
            this.opts.events.publish(
              eventSubjects.completed(this.opts.workerId),
              encodeMessage({ type: 'request.first_token.v1', workerId: this.opts.workerId, requestId: request.requestId }),
            );
          firstTokenAt ??= performance.now();
          if (hops) hops['engineFirstToken'] ??= hopNow();
          if (streamed) {
            tokensSent = true;
            send({ type: 'stream.tokens.v1', text: out.text, tokenCount: out.tokenIds.length });
          } else text += out.text;
        } else {
          remote?.release();
          if (controller.signal.aborted) throw controller.signal.reason;
          if (hops) Object.assign(hops, { engineQueuedMs: out.queuedMs, engineTtftMs: out.ttftMs });
          send({
            type: 'stream.finished.v1',
            finishReason: out.finishReason,
            promptTokens: out.usage.promptTokens,
            completionTokens: out.usage.completionTokens,
            cachedPromptTokens: out.usage.cachedPromptTokens,
            engineTtftMs: out.ttftMs,
            queuedMs: out.queuedMs,
            ...prefillReport,
            ...(streamed ? {} : { text, sinceFirstTokenMs: firstTokenAt === undefined ? 0 : performance.now() - firstTokenAt }),
          });
          completed = { finishReason: out.finishReason, ...out.usage, ttftMs: out.ttftMs };
          metrics.queueTime.observe({ role: 'decode' }, out.queuedMs / 1000);
          if (out.ttftMs >= 0) metrics.engineTimeToFirstToken.observe({}, out.ttftMs / 1000);
          engineSpan.setAttributes({ [AtcAttr.QueueTimeMs]: out.queuedMs, [AtcAttr.EngineTtftMs]: out.ttftMs });
          span.setAttributes({
            [AtcAttr.QueueTimeMs]: out.queuedMs,
            [AtcAttr.EngineTtftMs]: out.ttftMs,
            [GenAiAttr.UsageInputTokens]: out.usage.promptTokens,
            [GenAiAttr.UsageOutputTokens]: out.usage.completionTokens,
            [GenAiAttr.UsageCacheReadInputTokens]: out.usage.cachedPromptTokens,
          });
          log.debug({ finishReason: out.finishReason, usage: out.usage, ttftMs: out.ttftMs }, 'request finished');
        }
      }
    } catch (err) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
      const e =
        reason instanceof AtcError
          ? reason
          : reason instanceof EngineError
            ? new AtcError(ErrorCode.EngineFailed, reason.message, reason.retryable, { cause: reason })
            : new AtcError(ErrorCode.Internal, String(reason));
      if (e.code !== ErrorCode.Cancelled) log.warn({ code: e.code, err: e.message }, 'request failed');
      send({ type: 'error.v1', code: e.code, message: e.message, retryable: e.retryable && !tokensSent });
      completed = { ...completed, finishReason: e.code === ErrorCode.Cancelled ? 'abort' : 'error' };
      if (e.code !== ErrorCode.Cancelled) throw e; // recorded on the span
    } finally {
      engineSpan?.end();
      clearInterval(keepalive);
      clearTimeout(deadline);
      metrics.requests.inc({
        role: 'decode',
        outcome: completed.finishReason === 'error' ? 'error' : completed.finishReason === 'abort' ? 'cancelled' : 'ok',
      });
      this.opts.events.publish(
        eventSubjects.completed(this.opts.workerId),
        encodeMessage({
          type: 'request.completed.v1',
          workerId: this.opts.workerId,
          requestId: request.requestId,
          ...completed,
          e2eMs: Date.now() - acceptedAt,
          runningAtArrival: atArrival.runningRequests,
          waitingAtArrival: atArrival.waitingRequests,
        }),
      );
    }
  }
}
