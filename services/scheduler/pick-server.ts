// Answers atc.sched.pick in the scheduler queue group: "which worker should run this request?", by
// running the scheduling core (filters, scorers, picker, profiles) over the live fleet.
import { headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { guarded } from '../../shared/nats/index.js';
import type { WorkerDirectory, WorkerView } from '../../shared/fleet/index.js';
import type { EngineLoad } from '../../shared/engine/types.js';
import {
  AtcError,
  AtcHeader,
  ErrorCode,
  decodeMessage,
  encodeMessage,
  queueGroups,
  replicaToken,
  schedulerPick,
  schedulerReplicaPick,
  schedulerHeld,
  type PickReplyV1,
  type ErrorV1,
  type PickRequestV1,
} from '../../shared/protocol/index.js';
import { NoEligibleWorkerError, type Decision, type Scheduler, type WorkerSnapshot } from '../../shared/scheduling/index.js';
import { TokenizerPool, promptTokenizer } from '../../shared/tokenizer/index.js';
import {
  AtcAttr,
  PdDecision,
  SpanKind,
  SpanName,
  contextFromMessage,
  endSpan,
  pluginFilterAttributes,
  pluginScoreAttributes,
  requestLogger,
  startSpan,
  type SchedulerMetrics,
  type Span,
} from '../../shared/telemetry/index.js';
import { HOP_TIMING, hopHeaders, hopNow } from '../../shared/telemetry/hop-timing.js';
import type { SchedulingFeed } from './scheduling-feed.js';
import { checkContextLength, checkPromptPrefix, contextWindow } from './context-length.js';
import type { PickFlow } from './pick-flow.js';
import { context as otelContext, type Context } from '@opentelemetry/api';
import { flowOf } from '../../shared/scheduling/flow-control/index.js';

/** Load of a worker that has not reported yet: a worker that just registered is idle. */
const NO_LOAD: EngineLoad = {
  runningRequests: 0,
  waitingRequests: 0,
  kvCacheUsage: 0,
  numGpuBlocks: 0,
  blockSize: 16,
  prefixCacheQueries: 0,
  prefixCacheHits: 0,
};

/**
 * ms of load-report silence after which a prefill worker is not chosen (workers report every 250 ms by
 * default: ~4 missed reports). A dead prefill worker drops out this fast instead of after the registry TTL;
 * a wrong guess costs only one disaggregation (issue 14, finding 7).
 */
export const PREFILL_SILENCE_MS = 1_000;

export function snapshotOf(view: WorkerView): WorkerSnapshot {
  const nowMs = Date.now();
  return {
    id: view.registration.workerId,
    role: view.registration.role,
    models: view.registration.models,
    // Until its first load report, a just-registered worker counts as idle as of its heartbeat.
    load: view.load ?? NO_LOAD,
    loadReportedAtMs: view.load ? view.loadSeenAtMs : view.heartbeatSeenAtMs,
    healthy: !(view.registration.role === 'prefill' && view.load !== undefined && nowMs - view.loadSeenAtMs > PREFILL_SILENCE_MS),
  };
}

/** One line for logs and the pick reply: chosen workers and the decisive figures. */
export function summarizeDecision(d: Decision): string {
  const decode = d.explanation.profiles.find((p) => p.chosen === d.decode.workerId);
  const score = decode?.chosenTotal ?? decode?.totals[d.decode.workerId];
  return (
    `decode=${d.decode.workerId} score=${score?.toFixed(3) ?? '?'} cachedBlocks=${d.decode.cachedPrefixBlocks} uncachedTokens=${d.decode.uncachedTokens}` +
    (d.prefill ? ` prefill=${d.prefill.workerId}` : '') +
    `; ${d.explanation.disaggregation}`
  );
}

export class PickServer {
  private readonly subs: Subscription[] = [];
  /** Request ids of the picks this replica holds (queued or deciding): answered on atc.sched.held. */
  private readonly held = new Set<string>();
  /** Atc-Replica on every reply: the ingress retries on the replica that answered last. */
  private readonly replyHeaders: MsgHdrs;

  constructor(
    private readonly nc: NatsConnection,
    private readonly directory: WorkerDirectory,
    private readonly scheduler: Scheduler,
    private readonly feed: SchedulingFeed,
    private readonly metrics: SchedulerMetrics,
    private readonly replicaId: string,
    private readonly logger: Logger,
    /** Flow control; absent: every pick is decided at once. */
    private readonly flow?: PickFlow,
    /** Tokenizes text and chat prompts that arrive without token ids, off the decision thread. */
    private readonly tokenizer: TokenizerPool = new TokenizerPool({ threads: 0 }),
  ) {
    this.replyHeaders = natsHeaders();
    this.replyHeaders.set(AtcHeader.Replica, replicaToken(replicaId));
  }

  private warnedTokenizer = false;
  private warnedBlockHashes = false;

  /**
   * The prompt's token ids when the request brings them (a token-id prompt, or ids the ingress computed
   * with this scheduler's tokenizer); undefined when they must be computed here.
   */
  private givenTokenIds(request: PickRequestV1): readonly number[] | undefined {
    if ('tokenIds' in request.prompt) return request.prompt.tokenIds;
    const given = request.promptTokens;
    if (given === undefined) return undefined;
    if (given.tokenizer === promptTokenizer().name) return given.tokenIds;
    if (!this.warnedTokenizer) {
      this.warnedTokenizer = true;
      this.logger.warn(
        { theirs: given.tokenizer, ours: promptTokenizer().name },
        'pick requests carry token ids of another tokenizer: tokenizing here instead (set the same --tokenizer-path everywhere)',
      );
    }
    return undefined;
  }

  start(): void {
    const callback = guarded(this.logger, 'pick', (msg) => this.handle(msg));
    this.subs.push(this.nc.subscribe(schedulerPick, { queue: queueGroups.scheduler, callback }));
    this.subs.push(this.nc.subscribe(schedulerReplicaPick(this.replicaId), { callback }));
    const decoder = new TextDecoder();
    this.subs.push(
      this.nc.subscribe(schedulerHeld, {
        callback: (_err, msg) => {
          if (this.held.has(decoder.decode(msg.data))) msg.respond(new Uint8Array(0));
        },
      }),
    );
  }

  private handle(msg: Msg): void {
    const receivedAt = HOP_TIMING ? hopNow() : 0;
    let request: PickRequestV1;
    try {
      request = decodeMessage(msg.data, 'pick.request.v1');
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'rejected malformed pick request');
      this.respondError(msg, '', new AtcError(ErrorCode.BadMessage, err instanceof Error ? err.message : String(err)));
      return;
    }
    this.serve(
      request,
      contextFromMessage(msg),
      (reply) => {
        let headers = this.replyHeaders;
        if (HOP_TIMING) {
          headers = hopHeaders({ schedulerReceived: receivedAt, schedulerReplied: hopNow() });
          headers.set(AtcHeader.Replica, replicaToken(this.replicaId));
        }
        this.answer(msg, request.requestId, reply, headers);
      },
      (e) => this.respondError(msg, request.requestId, e),
    );
  }

  /**
   * A pick asked in this process (the ingress's in-process scheduler, `--scheduler in-process`): the same
   * checks, flow-control queue and decision as a pick over NATS, without the two NATS hops. Rejects with
   * the AtcError a NATS pick would have answered with.
   */
  pickInProcess(request: PickRequestV1, parent: Context): Promise<PickReplyV1> {
    return new Promise<PickReplyV1>((resolve, reject) => this.serve(request, parent, resolve, reject));
  }

  /** Checks, queues and decides one pick; answers exactly once, through `respond` or `reject`. */
  private serve(request: PickRequestV1, parent: Context, respond: (reply: PickReplyV1) => void, reject: (err: AtcError) => void): void {
    // The span stays open while the pick waits in the flow-control queue.
    const { span, context: spanContext } = startSpan(
      SpanName.SchedulerPick,
      { [AtcAttr.RequestId]: request.requestId, [AtcAttr.SchedulerReplica]: this.replicaId },
      { kind: SpanKind.SERVER, parent },
    );
    this.held.add(request.requestId);
    const fail = (err: unknown) =>
      otelContext.with(spanContext, () => {
        this.held.delete(request.requestId);
        const e = err instanceof AtcError ? err : new AtcError(ErrorCode.Internal, String(err));
        this.metrics.picks.inc({ model: request.model, outcome: e.code });
        if (e.code === ErrorCode.Internal) requestLogger(this.logger, request.requestId).error({ err: String(err) }, 'scheduling failed');
        reject(e);
        // Recorded, not rethrown: a throw out of a NATS subscription callback would end the subscription.
        endSpan(span, e);
      });
    // A prompt over the context length is refused here, before it queues or reaches an engine; a long
    // one is judged on a prefix first (context-length.ts).
    let window: number | undefined;
    try {
      window = contextWindow(this.directory.live(), request.model);
      if (window !== undefined) checkPromptPrefix(request.prompt, window);
    } catch (err) {
      return fail(err);
    }
    const proceed = (tokenIds: readonly number[], blockHashes: Float64Array | undefined): void => {
      try {
        if (window !== undefined) checkContextLength(window, tokenIds.length);
      } catch (err) {
        return fail(err);
      }
      // Decided in the pick span's context (now, or later from the queue), so its log lines carry the trace id.
      const admit = () =>
        otelContext.with(spanContext, () => {
          this.held.delete(request.requestId);
          let reply: PickReplyV1;
          try {
            reply = this.decide(request, span, tokenIds, blockHashes);
          } catch (err) {
            return fail(err);
          }
          this.metrics.picks.inc({ model: request.model, outcome: 'ok' });
          endSpan(span);
          respond(reply);
        });
      if (this.flow === undefined) return admit();
      try {
        const flow = flowOf(request.headers);
        span.setAttributes({ [AtcAttr.Priority]: flow.priority, [AtcAttr.Tenant]: flow.tenant });
      } catch {
        // a bad priority: the flow controller rejects it, naming the header
      }
      this.flow.submit(request, tokenIds.length, span, admit, fail);
    };
    const given = this.givenTokenIds(request);
    // The sender's block hashes go with the sender's ids only (ids of another tokenizer are recomputed here).
    if (given !== undefined) return proceed(given, this.givenBlockHashes(request, given));
    // Text without ids (a client of this NATS API): the tokenizer pool tokenizes long prompts, never this thread.
    this.tokenizer.tokenize(request.prompt).then(({ tokenIds, blockHashes }) => {
      try {
        proceed(tokenIds, blockHashes);
      } catch (err) {
        fail(err);
      }
    }, fail);
  }

  /**
   * The request's block hashes when they can stand for this scheduler's: its block size and one hash per
   * full block of the ids. A sender's hashes are trusted (a wrong one only misleads the prefix match, as a
   * wrong token id would); a mismatch is logged once and the ids are hashed here.
   */
  private givenBlockHashes(request: PickRequestV1, tokenIds: readonly number[]): Float64Array | undefined {
    const given = request.blockHashes;
    if (given === undefined) return undefined;
    const blockSize = this.scheduler.state.blockSize;
    if (given.blockSize === blockSize && given.hashes.length === Math.floor(tokenIds.length / blockSize)) return given.hashes;
    if (!this.warnedBlockHashes) {
      this.warnedBlockHashes = true;
      this.logger.warn(
        { theirBlockSize: given.blockSize, ourBlockSize: blockSize, hashes: given.hashes.length, tokens: tokenIds.length },
        'pick requests carry block hashes that do not fit this scheduler: hashing here instead',
      );
    }
    return undefined;
  }

  /** blockHashes: computeBlockHashes of the ids, computed off this thread; absent: hashed here. */
  private decide(request: PickRequestV1, span: Span, tokenIds: readonly number[], blockHashes: Float64Array | undefined): PickReplyV1 {
    const t0 = performance.now();
    const excluded = new Set(request.excludeWorkers);
    const nowMs = Date.now();
    const workers = this.directory
      .live()
      .filter((w) => !excluded.has(w.registration.workerId))
      .map(snapshotOf);
    let decision: Decision;
    try {
      decision = this.scheduler.decide(
        {
          requestId: request.requestId,
          model: request.model,
          tokenIds,
          ...(blockHashes !== undefined ? { blockHashes } : {}),
          maxTokens: request.maxTokens,
          headers: request.headers,
        },
        workers,
        nowMs,
      );
    } catch (err) {
      if (err instanceof NoEligibleWorkerError)
        throw new AtcError(ErrorCode.NoWorker, `no decode worker available for model ${JSON.stringify(request.model)}: ${err.message}`);
      throw err;
    }
    // ms in the scheduling core (tokenization, when any, happened before).
    const decisionMs = performance.now() - t0;
    const chosen = workers.find((w) => w.id === decision.decode.workerId);
    const inflight = this.scheduler.state.inflight.totalsFor(decision.decode.workerId);
    this.feed.noteDispatch(request.requestId, {
      workerId: decision.decode.workerId,
      uncachedTokens: decision.prefill ? 0 : decision.decode.uncachedTokens,
      waitingRequests: chosen?.load.waitingRequests ?? 0,
      runningRequests: chosen?.load.runningRequests ?? 0,
      inflightPromptTokens: inflight.promptTokens,
      atMs: nowMs,
    });
    const reason = summarizeDecision(decision);
    this.recordDecision(request, tokenIds.length, workers.length, decision, decisionMs, span);
    // A child logger per request costs more than the decision of a short prompt: only when it will print.
    if (this.logger.isLevelEnabled('debug'))
      requestLogger(this.logger, request.requestId).debug({ decisionMs, explanation: decision.explanation }, reason);
    return {
      type: 'pick.reply.v1',
      requestId: request.requestId,
      decodeWorkerId: decision.decode.workerId,
      reason,
      ...(decision.prefill ? { prefillWorkerId: decision.prefill.workerId } : {}),
    };
  }

  /** Metrics and span attributes of one decision: what an operator asks "why did it go there?" with. */
  private recordDecision(
    request: PickRequestV1,
    promptTokens: number,
    candidates: number,
    d: Decision,
    decisionMs: number,
    span: Span | undefined,
  ): void {
    const model = { model: request.model };
    this.metrics.decisionDuration.observe({}, decisionMs / 1000);
    this.metrics.promptBlocks.inc(model, Math.floor(promptTokens / this.scheduler.state.blockSize));
    this.metrics.cachedPrefixBlocks.inc(model, d.decode.cachedPrefixBlocks);
    const pd = d.prefill ? PdDecision.Disaggregated : PdDecision.Aggregated;
    this.metrics.pdDecisions.inc({ ...model, decision: pd });
    // Every extension point: filters, scorers and picker of each profile that ran, and the profile handler.
    for (const profile of d.explanation.profiles) {
      for (const t of profile.timings)
        this.metrics.pluginDuration.observe({ profile: profile.profile, plugin: t.plugin }, t.durationMs / 1000);
    }
    const h = d.explanation.profileHandler;
    this.metrics.pluginDuration.observe({ profile: '', plugin: h.plugin }, h.durationMs / 1000);
    if (!span?.isRecording()) return;
    const chosen = d.explanation.profiles.filter((p) => p.chosen !== null);
    span.setAttributes({
      [AtcAttr.Candidates]: candidates,
      [AtcAttr.DecodeWorker]: d.decode.workerId,
      [AtcAttr.CachedPrefixBlocks]: d.decode.cachedPrefixBlocks,
      [AtcAttr.UncachedTokens]: d.decode.uncachedTokens,
      [AtcAttr.PdDecision]: pd,
      [AtcAttr.PdReason]: d.explanation.disaggregation,
      [AtcAttr.ScoreTotal]: chosen.find((p) => p.chosen === d.decode.workerId)?.totals[d.decode.workerId] ?? 0,
      ...(d.prefill ? { [AtcAttr.PrefillWorker]: d.prefill.workerId } : {}),
      ...pluginScoreAttributes(
        Object.fromEntries(chosen.map((p) => [p.profile, Object.fromEntries(p.scorers.map((s) => [s.plugin, s.scores[p.chosen!] ?? 0]))])),
      ),
      ...pluginFilterAttributes(
        Object.fromEntries(
          d.explanation.profiles.map((p) => [p.profile, Object.fromEntries(p.filters.map((f) => [f.plugin, f.removed.length]))]),
        ),
      ),
    });
  }

  private respondError(msg: Msg, requestId: string, e: AtcError): void {
    this.answer(
      msg,
      requestId,
      { type: 'error.v1', requestId, code: e.code, message: e.message, retryable: e.retryable },
      this.replyHeaders,
    );
  }

  /** Answers a pick; a connection that closed while the pick was queued is logged (the ingress asks again elsewhere). */
  private answer(msg: Msg, requestId: string, reply: PickReplyV1 | ErrorV1, headers: MsgHdrs): void {
    try {
      msg.respond(encodeMessage(reply), { headers });
    } catch (err) {
      this.logger.warn({ requestId, err: String(err) }, 'could not answer a pick');
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.subs.map((s) => s.drain()));
    this.flow?.close();
  }
}
