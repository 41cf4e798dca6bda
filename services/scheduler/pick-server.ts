// Answers atc.sched.pick in the scheduler queue group: "which worker should run this request?"
import type { NatsConnection, Subscription, Msg } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import {
  AtcError, ErrorCode, decodeMessage, encodeMessage, queueGroups, schedulerPick, type PickRequestV1,
} from '../../shared/protocol/index.js';
import { LeastLoadedPicker } from './least-loaded-pick.js';
import type { WorkerDirectory } from '../../shared/fleet/index.js';

export class PickServer {
  private sub: Subscription | undefined;
  private readonly picker = new LeastLoadedPicker();
  decisions = 0;

  constructor(private readonly nc: NatsConnection, private readonly directory: WorkerDirectory, private readonly logger: Logger) {}

  start(): void {
    this.sub = this.nc.subscribe(schedulerPick, { queue: queueGroups.scheduler, callback: (_err, msg) => this.handle(msg) });
  }

  private handle(msg: Msg): void {
    let request: PickRequestV1;
    try {
      request = decodeMessage(msg.data, 'pick.request.v1');
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'rejected malformed pick request');
      this.respondError(msg, '', new AtcError(ErrorCode.BadMessage, String(err instanceof Error ? err.message : err)));
      return;
    }
    try {
      const reply = this.decide(request);
      msg.respond(encodeMessage(reply));
    } catch (err) {
      const e = err instanceof AtcError ? err : new AtcError(ErrorCode.Internal, String(err));
      this.respondError(msg, request.requestId, e);
    }
  }

  decide(request: PickRequestV1) {
    const excluded = new Set(request.excludeWorkers);
    const candidates = this.directory.live().filter((w) =>
      w.registration.role !== 'prefill' && w.registration.models.includes(request.model) && !excluded.has(w.registration.workerId));
    const chosen = this.picker.pick(candidates);
    if (!chosen) {
      throw new AtcError(ErrorCode.NoWorker, `no decode worker available for model ${JSON.stringify(request.model)}`);
    }
    this.decisions++;
    const decodeWorkerId = chosen.registration.workerId;
    this.logger.debug({ requestId: request.requestId, decodeWorkerId, candidates: candidates.length }, 'picked');
    return { type: 'pick.reply.v1' as const, requestId: request.requestId, decodeWorkerId, reason: `least-loaded of ${candidates.length}` };
  }

  private respondError(msg: Msg, requestId: string, e: AtcError): void {
    msg.respond(encodeMessage({ type: 'error.v1', requestId, code: e.code, message: e.message, retryable: e.retryable }));
  }

  async stop(): Promise<void> {
    await this.sub?.drain();
  }
}
