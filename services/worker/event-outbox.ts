// The worker's events for schedulers (first tokens, completions, KV event batches, load reports) go out
// together on the turn after they were raised: one socket write for all of them, after the requester's
// own message of that turn (its tokens or result). On the 2-core VM of BENCHMARKS.md a socket write costs
// ~0.1-0.3 ms of system time (it wakes nats-server), so a request's five events written one by one
// compete with the next request's path; an ingress picking in-process would also read them before the result.
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';

interface PendingEvent {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: MsgHdrs | undefined;
}

export class EventOutbox {
  private pending: PendingEvent[] = [];
  private scheduled = false;

  constructor(private readonly nc: NatsConnection) {}

  /** Publishes on the next turn, in the order given, with whatever else was published this turn. */
  publish(subject: string, data: Uint8Array, headers?: MsgHdrs): void {
    this.pending.push({ subject, data, headers });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (this.nc.isClosed()) return;
    try {
      for (const e of batch) this.nc.publish(e.subject, e.data, e.headers ? { headers: e.headers } : undefined);
    } catch {
      // The connection began draining this turn (shutdown): the schedulers see the worker go instead.
    }
  }
}
