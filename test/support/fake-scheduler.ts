// A stand-in scheduler on the real pick subject: answers every pick.request.v1 with the first of its
// workers the request does not exclude, and records what it was asked.
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { decodeMessage, encodeMessage, schedulerPick, type PickRequestV1 } from '../../shared/protocol/index.js';

export class FakeScheduler {
  readonly picks: PickRequestV1[] = [];
  private readonly sub: Subscription;

  /** Workers offered, in order of preference; tests may change it. */
  workers: readonly string[];

  constructor(nc: NatsConnection, workers: readonly string[]) {
    this.workers = workers;
    this.sub = nc.subscribe(schedulerPick, {
      callback: (_err, msg) => {
        const request = decodeMessage(msg.data, 'pick.request.v1');
        this.picks.push(request);
        const workerId = this.workers.find((w) => !request.excludeWorkers.includes(w));
        msg.respond(
          workerId === undefined
            ? encodeMessage({
                type: 'error.v1',
                requestId: request.requestId,
                code: 'no_worker_available',
                message: 'every worker excluded',
                retryable: false,
              })
            : encodeMessage({ type: 'pick.reply.v1', requestId: request.requestId, decodeWorkerId: workerId, reason: 'fake scheduler' }),
        );
      },
    });
  }

  /** Picks asked for one request id. */
  picksFor(requestId: string): PickRequestV1[] {
    return this.picks.filter((p) => p.requestId === requestId);
  }

  stop(): void {
    this.sub.unsubscribe();
  }
}
