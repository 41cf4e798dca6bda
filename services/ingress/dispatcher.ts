// The request path behind the ingress: ask a scheduler where to run, hand the request to that decode
// worker, and relay its token stream. A worker that cannot take the request (gone, refusing) is
// excluded and the scheduler is asked again, so an accepted request is not lost to a dead worker;
// a stream that falls silent (no tokens, no keepalives) fails loudly as worker_lost.
import { NoRespondersError, RequestError, TimeoutError, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { InboxStreams, InboxTimeoutError, type StreamMsg } from '../../shared/nats/index.js';
import type { DirectLinks } from './direct-links.js';
import {
  AtcError,
  ErrorCode,
  decodeMessage,
  encodeMessage,
  errorFromWire,
  schedulerPick,
  schedulerReplicaPick,
  schedulerHeld,
  AtcHeader,
  workerSubjects,
  type PickReplyV1,
  type PickRequestV1,
  type StreamFinishedV1,
} from '../../shared/protocol/index.js';
import {
  AtcAttr,
  SpanKind,
  SpanName,
  endSpan,
  requestLogger,
  startSpan,
  traceHeaders,
  traceHttpHeaders,
  withSpan,
  type Context,
  type IngressMetrics,
} from '../../shared/telemetry/index.js';
import { context as otelContext } from '@opentelemetry/api';
import { hopNow, hopsOf, type HopStamps } from '../../shared/telemetry/hop-timing.js';
import type { InferenceJob } from './openai-request.js';
import { DEFAULT_BLOCK_SIZE, computeBlockHashes } from '../../shared/scheduling/index.js';

export type DispatchEvent =
  | {
      readonly type: 'tokens';
      readonly text: string;
      readonly tokenCount: number;
      /** A non-streamed result's tokens, all at once: ms the worker saw between the first token and the last. */
      readonly sinceFirstTokenMs?: number;
    }
  | ({ readonly type: 'finished'; readonly workerId: string; readonly prefillWorkerId?: string } & Omit<
      StreamFinishedV1,
      'type' | 'seq' | 'requestId'
    >);

export interface DispatcherOptions {
  /** ms to wait for a scheduler's answer. */
  readonly pickTimeoutMs: number;
  /** Scheduler replicas asked in turn when one does not answer (picks are idempotent). */
  readonly pickAttempts: number;
  /** ms to wait for a worker to accept. */
  readonly acceptTimeoutMs: number;
  /** ms of stream silence (workers keepalive every second) before the worker counts as lost. */
  readonly streamIdleTimeoutMs: number;
  /** Workers tried before giving up. */
  readonly maxAttempts: number;
  /** ms a request may take in all. */
  readonly requestTimeoutMs: number;
  /** ms a request may wait in a scheduler's flow-control queue for its pick (sent as maxQueueMs); 0: never queue. */
  readonly maxQueueWaitMs?: number;
}

/**
 * A scheduler in this process (`--scheduler in-process`): picks without the two NATS hops of
 * atc.sched.pick. Rejects with the AtcError a scheduler replica would have answered.
 */
export interface InProcessPicker {
  pickInProcess(request: PickRequestV1, parent: Context): Promise<PickReplyV1>;
}

export const defaultDispatcherOptions: DispatcherOptions = {
  pickTimeoutMs: 2_000,
  pickAttempts: 3,
  acceptTimeoutMs: 2_000,
  streamIdleTimeoutMs: 5_000,
  maxAttempts: 3,
  requestTimeoutMs: 600_000,
  maxQueueWaitMs: 30_000,
};

/** What a worker's stream carries. */
const STREAM_TYPES = ['stream.tokens.v1', 'stream.finished.v1', 'stream.keepalive.v1', 'error.v1'] as const;

/** ms a live replica has to say it holds a pick. */
const HELD_TIMEOUT_MS = 1_000;

const isNoResponders = (err: unknown) => err instanceof NoRespondersError || (err instanceof RequestError && err.isNoResponders());
const isTimeout = (err: unknown) => err instanceof TimeoutError || (err instanceof Error && err.name === 'TimeoutError');

export class Dispatcher {
  /** The scheduler replica that answered a pick last: a retry goes there, not to one that may hang. */
  private lastReplica: string | undefined;
  /** Every request's acceptance and token stream, on one inbox subscription. */
  private readonly streams: InboxStreams;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: DispatcherOptions,
    private readonly metrics: IngressMetrics,
    private readonly logger: Logger,
    /** Set: picks are made in this process instead of asked of scheduler replicas over NATS. */
    private readonly picker?: InProcessPicker,
    /** Set: generate requests go over a worker's direct connection when it has one up (else NATS). */
    private readonly direct?: { readonly links: DirectLinks; readonly addressOf: (workerId: string) => string | undefined },
  ) {
    this.streams = new InboxStreams(nc);
  }

  /** Streams open now, over NATS and over direct connections: one per request between its dispatch and its end. */
  get openStreams(): number {
    return this.streams.size + (this.direct?.links.openStreams ?? 0);
  }

  /** Runs a job; yields token chunks and then one 'finished'. Aborting `signal` cancels it down to the engine. */
  /** `hops`: bench-only stamps (HOP_TIMING), filled in here and by the scheduler and worker. */
  async *run(
    requestId: string,
    job: InferenceJob,
    headers: Record<string, string>,
    signal: AbortSignal,
    hops?: HopStamps,
  ): AsyncGenerator<DispatchEvent> {
    const deadlineMs = Date.now() + this.options.requestTimeoutMs;
    const exclude: string[] = [];
    // The caller's span (the request's server span) parents this request's pick and dispatch spans.
    const parent = otelContext.active();
    const log = requestLogger(this.logger, requestId, parent);
    // Picks over NATS carry the prompt's block hashes, so the scheduler's decision thread (one per replica,
    // serving every ingress) does not hash: ~20 µs of an 8,000-token prompt here, in a process that scales
    // out. An in-process pick hashes on this thread either way, so only a pool thread's hashes go there.
    if (this.picker === undefined && job.blockHashes === undefined) {
      const ids = 'tokenIds' in job.prompt ? job.prompt.tokenIds : job.promptTokens?.tokenIds;
      if (ids !== undefined) job = { ...job, blockHashes: computeBlockHashes(ids, DEFAULT_BLOCK_SIZE) };
    }
    for (let attempt = 1; ; attempt++) {
      const pick = await this.pick(requestId, job, headers, exclude, deadlineMs, parent, hops);
      const workerId = pick.decodeWorkerId;
      let yieldedTokens = false;
      const { span, context: spanContext } = startSpan(
        SpanName.IngressDispatch,
        {
          [AtcAttr.DecodeWorker]: workerId,
          [AtcAttr.Attempt]: attempt,
          ...(pick.prefillWorkerId ? { [AtcAttr.PrefillWorker]: pick.prefillWorkerId } : {}),
        },
        { kind: SpanKind.CLIENT, parent },
      );
      let failure: unknown;
      try {
        for await (const event of this.runOn(workerId, pick, requestId, job, deadlineMs, signal, spanContext, hops)) {
          if (event.type === 'tokens') yieldedTokens = true;
          yield event;
        }
        return;
      } catch (err) {
        failure = err;
        const retry = err instanceof AtcError && err.retryable && !yieldedTokens && !signal.aborted && attempt < this.options.maxAttempts;
        log.warn({ workerId, attempt, err: String(err), retry }, 'worker failed the request');
        if (!retry) throw err;
        this.metrics.workerRetries.inc({ reason: err.code });
        exclude.push(workerId);
      } finally {
        endSpan(span, failure);
      }
    }
  }

  /** ms this request may queue at a scheduler: the option, within what is left of its deadline. */
  /**
   * Asks the scheduler queue group for a pick. Every pickTimeoutMs without an answer it asks all replicas
   * whether one holds the pick (atc.sched.held: a queued pick may legitimately wait up to maxQueueMs); when
   * none says so (the replica hung, died with it in hand, or the message was lost in a reconnect) the same
   * pick goes to the replica that answered last (its own subject: the group could choose a hung replica
   * again), then once more to the group; the first answer wins (picks are idempotent). No responders on
   * the group (every replica reconnecting) is retried every 100 ms for up to pickTimeoutMs. Rejects with
   * the last error once every attempt failed.
   */
  private askSchedulers(requestId: string, data: Uint8Array, h: MsgHdrs | undefined, timeoutMs: number): Promise<Msg> {
    const opts = { timeout: timeoutMs, ...(h ? { headers: h } : {}) };
    const askGroup = async (): Promise<Msg> => {
      const until = Date.now() + this.options.pickTimeoutMs;
      for (;;) {
        try {
          return await this.nc.request(schedulerPick, data, opts);
        } catch (err) {
          if (!isNoResponders(err) || Date.now() >= until) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const max = Math.max(1, this.options.pickAttempts);
    return new Promise<Msg>((resolve, reject) => {
      let launched = 0;
      let failed = 0;
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const launch = () => {
        clearTimeout(timer);
        if (done || launched >= max) return;
        const n = launched++;
        const replica = n === 1 ? this.lastReplica : undefined;
        if (n > 0) this.metrics.pickRetries.inc({ reason: failed === n ? 'failed' : 'unanswered' });
        const ask = replica !== undefined ? this.nc.request(schedulerReplicaPick(replica), data, opts) : askGroup();
        ask.then(
          (msg) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            resolve(msg);
          },
          (err: unknown) => {
            if (done) return;
            if (replica !== undefined && replica === this.lastReplica) this.lastReplica = undefined; // it did not answer either
            if (++failed < launched) return;
            if (launched < max) return launch();
            done = true;
            reject(err instanceof Error ? err : new Error(String(err)));
          },
        );
        if (launched < max) timer = setTimeout(check, this.options.pickTimeoutMs);
      };
      /** Still held by a live replica: wait on; held by none: ask again. */
      const check = () => {
        if (done) return;
        this.nc.request(schedulerHeld, heldBody, { timeout: HELD_TIMEOUT_MS }).then(
          () => {
            if (!done) timer = setTimeout(check, this.options.pickTimeoutMs);
          },
          () => launch(),
        );
      };
      const heldBody = new TextEncoder().encode(requestId);
      launch();
    });
  }

  private maxQueueMs(deadlineMs: number): number {
    return Math.max(0, Math.min(this.options.maxQueueWaitMs ?? 0, deadlineMs - Date.now()));
  }

  private pick(
    requestId: string,
    job: InferenceJob,
    headers: Record<string, string>,
    exclude: string[],
    deadlineMs: number,
    parent: Context,
    hops: HopStamps | undefined,
  ): Promise<PickReplyV1> {
    return withSpan(
      SpanName.IngressPick,
      { [AtcAttr.ExcludedWorkers]: exclude },
      async (span) => {
        const t0 = performance.now();
        const request: PickRequestV1 = {
          type: 'pick.request.v1',
          requestId,
          model: job.model,
          prompt: job.prompt,
          maxTokens: job.sampling.maxTokens,
          headers,
          excludeWorkers: exclude,
          deadlineMs,
          maxQueueMs: this.maxQueueMs(deadlineMs),
          ...(job.promptTokens ? { promptTokens: job.promptTokens } : {}),
          ...(job.blockHashes ? { blockHashes: { blockSize: DEFAULT_BLOCK_SIZE, hashes: job.blockHashes } } : {}),
        };
        let msg: PickReplyV1;
        if (hops) hops['pickSent'] = hopNow();
        try {
          msg = this.picker ? await this.picker.pickInProcess(request, otelContext.active()) : await this.pickOverNats(request, hops);
        } finally {
          this.metrics.pickDuration.observe({}, (performance.now() - t0) / 1000);
        }
        if (hops) hops['pickReply'] ??= hopNow();
        span.setAttributes({
          [AtcAttr.DecodeWorker]: msg.decodeWorkerId,
          ...(msg.prefillWorkerId ? { [AtcAttr.PrefillWorker]: msg.prefillWorkerId } : {}),
        });
        return msg;
      },
      { kind: SpanKind.CLIENT, parent },
    );
  }

  /** A pick asked of the scheduler replicas (askSchedulers), its answer decoded; errors as AtcErrors. */
  private async pickOverNats(request: PickRequestV1, hops: HopStamps | undefined): Promise<PickReplyV1> {
    const data = encodeMessage(request);
    const pickTimeoutMs = this.options.pickTimeoutMs + this.maxQueueMs(request.deadlineMs);
    let reply;
    try {
      // A saturated fleet's scheduler holds the pick in its queue for up to maxQueueMs.
      reply = await this.askSchedulers(request.requestId, data, traceHeaders(), pickTimeoutMs);
      const replica = reply.headers?.get(AtcHeader.Replica);
      if (replica) this.lastReplica = replica;
    } catch (err) {
      if (isNoResponders(err) || isTimeout(err))
        throw new AtcError(ErrorCode.SchedulerUnavailable, 'no scheduler answered', false, { cause: err });
      throw err;
    }
    if (hops) Object.assign(hops, hopsOf(reply.headers), { pickReply: hopNow() });
    const msg = decodeMessage(reply.data, 'pick.reply.v1', 'error.v1');
    if (msg.type === 'error.v1') throw errorFromWire(msg.code, msg.message, msg.retryable, msg.retryAfterMs);
    return msg;
  }

  private async *runOn(
    workerId: string,
    pick: PickReplyV1,
    requestId: string,
    job: InferenceJob,
    deadlineMs: number,
    signal: AbortSignal,
    spanContext: Context,
    hops: HopStamps | undefined,
  ): AsyncGenerator<DispatchEvent> {
    // The worker's acceptance (its reply) and then its stream arrive on one inbox subject, in order, or on
    // the worker's direct connection when one is up.
    const direct = this.direct?.links.open(workerId, this.direct.addressOf(workerId));
    const inbox = direct?.inbox ?? this.streams.stream();
    let published = false;
    /** A stream message that arrived before the acceptance (it implies it). */
    let first: StreamMsg | undefined;
    let finished = false;
    try {
      try {
        if (hops) hops['generateSent'] = hopNow();
        const request = encodeMessage({
          type: 'generate.request.v1',
          requestId,
          model: job.model,
          prompt: job.prompt,
          sampling: job.sampling,
          streamTo: inbox.subject,
          deadlineMs,
          stream: job.stream,
          ...(pick.prefillWorkerId ? { prefillWorkerId: pick.prefillWorkerId } : {}),
          ...(job.promptTokens ? { promptTokens: job.promptTokens } : {}),
        });
        if (direct) direct.send(request, traceHttpHeaders(spanContext));
        else {
          const h = traceHeaders(spanContext);
          this.nc.publish(workerSubjects.generate(workerId), request, { reply: inbox.subject, ...(h ? { headers: h } : {}) });
        }
        published = true;
        const ack = await inbox.next(this.options.acceptTimeoutMs, signal);
        if (hops) hops['accepted'] = hopNow();
        // nats-server's answer when nobody subscribes to the worker's subject: an empty 503 status message.
        if (ack.data.length === 0 && ack.headers?.code === 503)
          throw new AtcError(ErrorCode.WorkerLost, `worker ${workerId} did not accept the request: no responders`, true);
        const msg = decodeMessage(ack.data, ...STREAM_TYPES, 'generate.accepted.v1');
        if (msg.type === 'error.v1') throw errorFromWire(msg.code, msg.message, msg.retryable);
        // The worker sends its acceptance once its engine has the request; a stream message may come first.
        if (msg.type !== 'generate.accepted.v1') first = ack;
      } catch (err) {
        if (err instanceof InboxTimeoutError) {
          // A connection that carries no answer (a peer gone without a FIN) must not take the next request.
          if (direct) this.direct?.links.reset(workerId, 'a request got no acceptance');
          throw new AtcError(ErrorCode.WorkerLost, `worker ${workerId} did not accept the request`, true, { cause: err });
        }
        throw err;
      }
      for (let expectedSeq = 0; ; expectedSeq++) {
        let raw;
        try {
          raw = first ?? (await inbox.next(this.options.streamIdleTimeoutMs, signal));
          first = undefined;
        } catch (err) {
          if (err instanceof InboxTimeoutError) {
            if (direct) this.direct?.links.reset(workerId, 'a stream went silent');
            throw new AtcError(ErrorCode.WorkerLost, `worker ${workerId} went silent for ${this.options.streamIdleTimeoutMs} ms`, true);
          }
          throw err;
        }
        const msg = decodeMessage(raw.data, ...STREAM_TYPES, 'generate.accepted.v1');
        if (msg.type === 'generate.accepted.v1') {
          expectedSeq--; // the acceptance, after the stream's first message: not part of the stream
          continue;
        }
        if (msg.type === 'error.v1') throw errorFromWire(msg.code, msg.message, msg.retryable);
        if (msg.seq !== expectedSeq)
          throw new AtcError(
            ErrorCode.WorkerLost,
            `stream from worker ${workerId} lost messages (expected ${expectedSeq}, got ${msg.seq})`,
          );
        if (msg.type === 'stream.keepalive.v1') continue;
        if (msg.type === 'stream.tokens.v1') {
          if (hops) hops['tokensReceived'] ??= hopNow();
          yield { type: 'tokens', text: msg.text, tokenCount: msg.tokenCount };
          continue;
        }
        finished = true;
        if (hops) Object.assign(hops, hopsOf(raw.headers), { finishedReceived: hopNow() });
        const { type: _t, seq: _s, requestId: _r, text, sinceFirstTokenMs, ...rest } = msg;
        // Not streamed: the whole text came with the result.
        if (text !== undefined && msg.completionTokens > 0)
          yield { type: 'tokens', text, tokenCount: msg.completionTokens, sinceFirstTokenMs: sinceFirstTokenMs ?? 0 };
        // prefillWorkerId / prefillFallback as the worker reports them: what happened, not what was planned.
        yield { type: 'finished', workerId, ...rest };
        return;
      }
    } finally {
      inbox.close();
      // Stopped early (client gone, error, consumer broke off): tell the worker to free the engine.
      // Also when the acceptance never came (the client left, or it timed out): the worker may have accepted
      // meanwhile; a cancel of a request a worker does not know is ignored.
      // A request sent on a direct connection is cancelled there: a NATS cancel could overtake it.
      if (published && !finished) {
        if (direct) direct.cancel(requestId);
        else if (!this.nc.isClosed()) this.nc.publish(workerSubjects.cancel(workerId), encodeMessage({ type: 'cancel.v1', requestId }));
      }
    }
  }
}
