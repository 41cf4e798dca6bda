// An inbox subscription read one message at a time, with an idle timeout and an abort signal: the
// ingress's view of a worker's token stream.
import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

export class InboxTimeoutError extends Error {
  override name = 'InboxTimeoutError';
}

export class InboxStream {
  readonly subject: string;
  private readonly sub: Subscription;
  private readonly buffered: Msg[] = [];
  private waiter: ((msg: Msg) => void) | undefined;

  constructor(nc: NatsConnection) {
    // Under the connection's inbox prefix: the only inboxes its NATS user may subscribe to.
    this.subject = createInbox(connectionInboxPrefix(nc));
    this.sub = nc.subscribe(this.subject, {
      callback: (_err, msg) => {
        const w = this.waiter;
        if (w) {
          this.waiter = undefined;
          w(msg);
        } else this.buffered.push(msg);
      },
    });
  }

  /** The next message; rejects with InboxTimeoutError after `idleMs` of silence, or with the signal's reason. */
  next(idleMs: number, signal?: AbortSignal): Promise<Msg> {
    const ready = this.buffered.shift();
    if (ready) return Promise.resolve(ready);
    if (signal?.aborted) return Promise.reject(asError(signal.reason));
    return new Promise<Msg>((resolve, reject) => {
      const onAbort = () => done(() => reject(asError(signal?.reason)));
      const timer = setTimeout(() => done(() => reject(new InboxTimeoutError(`no message for ${idleMs} ms`))), idleMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiter = undefined;
        settle();
      };
      this.waiter = (msg) => done(() => resolve(msg));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.sub.unsubscribe();
  }
}

/**
 * The inbox prefix a connection was opened with. nats.js keeps its options on the connection object but
 * does not declare them on the NatsConnection interface; its own JetStream client reads them the same way.
 */
export function connectionInboxPrefix(nc: NatsConnection): string | undefined {
  return (nc as unknown as { options?: { inboxPrefix?: string } }).options?.inboxPrefix;
}

/** An abort reason as an Error (AbortSignal.reason may be anything a caller passed to abort()). */
function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
