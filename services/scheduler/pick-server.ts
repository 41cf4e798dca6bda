// Answers atc.sched.pick in the scheduler queue group: "which worker should run this request?", by
// running the scheduling core (filters, scorers, picker, profiles) over the live fleet.
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { WorkerDirectory, WorkerView } from '../../shared/fleet/index.js';
import type { EngineLoad } from '../../shared/engine/types.js';
import {
  AtcError, ErrorCode, decodeMessage, encodeMessage, queueGroups, schedulerPick, type PickReplyV1, type PickRequestV1,
} from '../../shared/protocol/index.js';
import { NoEligibleWorkerError, type Decision, type Scheduler, type WorkerSnapshot } from '../../shared/scheduling/index.js';
import { tokenize } from '../../shared/tokenizer/index.js';
import type { SchedulingFeed } from './scheduling-feed.js';

/** Load of a worker that has not reported yet: looks empty; the health filter judges its staleness. */
const NO_LOAD: EngineLoad = { runningRequests: 0, waitingRequests: 0, kvCacheUsage: 0, numGpuBlocks: 0, blockSize: 16, prefixCacheQueries: 0, prefixCacheHits: 0 };

function snapshotOf(view: WorkerView): WorkerSnapshot {
  return {
    id: view.registration.workerId, role: view.registration.role, models: view.registration.models,
    load: view.load ?? NO_LOAD, loadReportedAtMs: view.loadSeenAtMs, healthy: true,
  };
}

/** One line for logs and the pick reply: chosen workers and the decisive figures. */
export function summarizeDecision(d: Decision): string {
  const decode = d.explanation.profiles.find((p) => p.chosen === d.decode.workerId);
  const score = decode?.totals[d.decode.workerId];
  return `decode=${d.decode.workerId} score=${score?.toFixed(3) ?? '?'} cachedBlocks=${d.decode.cachedPrefixBlocks} uncachedTokens=${d.decode.uncachedTokens}`
    + (d.prefill ? ` prefill=${d.prefill.workerId}` : '') + `; ${d.explanation.disaggregation}`;
}

export class PickServer {
  private sub: Subscription | undefined;
  decisions = 0;
  /** ms spent in the scheduling core (tokenization included), for metrics. */
  lastDecisionMs = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly directory: WorkerDirectory,
    private readonly scheduler: Scheduler,
    private readonly feed: SchedulingFeed,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.sub = this.nc.subscribe(schedulerPick, { queue: queueGroups.scheduler, callback: (_err, msg) => this.handle(msg) });
  }

  private handle(msg: Msg): void {
    let request: PickRequestV1;
    try {
      request = decodeMessage(msg.data, 'pick.request.v1');
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'rejected malformed pick request');
      this.respondError(msg, '', new AtcError(ErrorCode.BadMessage, err instanceof Error ? err.message : String(err)));
      return;
    }
    try {
      msg.respond(encodeMessage(this.decide(request)));
    } catch (err) {
      const e = err instanceof AtcError ? err : new AtcError(ErrorCode.Internal, String(err));
      if (e.code === ErrorCode.Internal) this.logger.error({ requestId: request.requestId, err: String(err) }, 'scheduling failed');
      this.respondError(msg, request.requestId, e);
    }
  }

  decide(request: PickRequestV1): PickReplyV1 {
    const t0 = performance.now();
    const excluded = new Set(request.excludeWorkers);
    const workers = this.directory.live().filter((w) => !excluded.has(w.registration.workerId)).map(snapshotOf);
    const tokenIds = 'text' in request.prompt ? tokenize(request.prompt.text) : request.prompt.tokenIds;
    const nowMs = Date.now();
    let decision: Decision;
    try {
      decision = this.scheduler.decide({ requestId: request.requestId, model: request.model, tokenIds, maxTokens: request.maxTokens, headers: request.headers }, workers, nowMs);
    } catch (err) {
      if (err instanceof NoEligibleWorkerError) throw new AtcError(ErrorCode.NoWorker, `no decode worker available for model ${JSON.stringify(request.model)}: ${err.message}`);
      throw err;
    }
    this.lastDecisionMs = performance.now() - t0;
    this.decisions++;
    const chosen = workers.find((w) => w.id === decision.decode.workerId);
    const inflight = this.scheduler.state.inflight.totalsFor(decision.decode.workerId);
    this.feed.noteDispatch(request.requestId, {
      workerId: decision.decode.workerId, uncachedTokens: decision.prefill ? 0 : decision.decode.uncachedTokens,
      waitingRequests: chosen?.load.waitingRequests ?? 0, runningRequests: chosen?.load.runningRequests ?? 0,
      inflightPromptTokens: inflight.promptTokens, atMs: nowMs,
    });
    const reason = summarizeDecision(decision);
    this.logger.debug({ requestId: request.requestId, decisionMs: this.lastDecisionMs, explanation: decision.explanation }, reason);
    return {
      type: 'pick.reply.v1', requestId: request.requestId, decodeWorkerId: decision.decode.workerId, reason,
      ...(decision.prefill ? { prefillWorkerId: decision.prefill.workerId } : {}),
    };
  }

  private respondError(msg: Msg, requestId: string, e: AtcError): void {
    msg.respond(encodeMessage({ type: 'error.v1', requestId, code: e.code, message: e.message, retryable: e.retryable }));
  }

  async stop(): Promise<void> {
    await this.sub?.drain();
  }
}
