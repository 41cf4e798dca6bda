// Inbox subscriptions read one message at a time, with an idle timeout and an abort signal: the
// ingress's view of a worker's token stream.
//
// All of a connection's streams share one wildcard subscription (InboxStreams), as nats.js shares one
// for its requests: a stream per request would cost a SUB and an UNSUB (two socket writes, each a
// system call and a wake-up of nats-server) on every request, the UNSUB just before the answer goes
// out. nats.js's own request multiplexer answers one message per request; a stream needs many.
import { createInbox, nuid, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

export class InboxTimeoutError extends Error {
  override name = 'InboxTimeoutError';
}

/** What a stream hands on of a message: its bytes and headers (a NATS message, or a direct connection's frame). */
export type StreamMsg = Pick<Msg, 'data' | 'headers'>;

/** The messages of one stream (one subject under the mux, or one stream of a direct connection), buffered until read. */
export class InboxStream {
  private readonly buffered: StreamMsg[] = [];
  private waiter: { resolve: (msg: StreamMsg) => void; reject: (err: Error) => void } | undefined;
  /** Why no more messages will come (the connection carrying them closed); next() rejects with it once the buffer is read. */
  private failure: Error | undefined;

  constructor(
    /** Where the sender publishes (or replies): unique to this stream. */
    readonly subject: string,
    private readonly onClose: () => void,
  ) {}

  /** Called by the mux for each message to this stream's subject. */
  deliver(msg: StreamMsg): void {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.resolve(msg);
    } else this.buffered.push(msg);
  }

  /** No more messages will come: the reader gets `err` after what is buffered. */
  fail(err: Error): void {
    this.failure ??= err;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.reject(err);
    }
  }

  /** The next message; rejects with InboxTimeoutError after `idleMs` of silence, or with the signal's reason. */
  next(idleMs: number, signal?: AbortSignal): Promise<StreamMsg> {
    const ready = this.buffered.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    if (signal?.aborted) return Promise.reject(asError(signal.reason));
    return new Promise<StreamMsg>((resolve, reject) => {
      const onAbort = () => done(() => reject(asError(signal?.reason)));
      const timer = setTimeout(() => done(() => reject(new InboxTimeoutError(`no message for ${idleMs} ms`))), idleMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiter = undefined;
        settle();
      };
      this.waiter = { resolve: (msg) => done(() => resolve(msg)), reject: (err) => done(() => reject(err)) };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stops delivery; messages still arriving for this subject (a late keepalive) are dropped. */
  close(): void {
    this.onClose();
  }
}

/** One wildcard inbox subscription for many streams, routed by the subject's last token. */
export class InboxStreams {
  private readonly prefix: string;
  private readonly sub: Subscription;
  private readonly open = new Map<string, InboxStream>();
  private counter = 0;

  constructor(nc: NatsConnection) {
    // Under the connection's inbox prefix (the only inboxes its NATS user may subscribe to); the nuid
    // keeps two muxes of one user apart.
    const userPrefix = connectionInboxPrefix(nc);
    this.prefix = userPrefix !== undefined ? `${userPrefix}.${nuid.next()}` : createInbox();
    this.sub = nc.subscribe(`${this.prefix}.*`, {
      callback: (_err, msg) => {
        const token = msg.subject.slice(this.prefix.length + 1);
        this.open.get(token)?.deliver(msg);
      },
    });
  }

  /** A new stream with its own subject; close() it when done. */
  stream(): InboxStream {
    const token = (this.counter++).toString(36);
    const stream = new InboxStream(`${this.prefix}.${token}`, () => this.open.delete(token));
    this.open.set(token, stream);
    return stream;
  }

  /** Streams open now (tests: none left behind). */
  get size(): number {
    return this.open.size;
  }

  close(): void {
    this.sub.unsubscribe();
    this.open.clear();
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
