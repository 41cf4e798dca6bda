// vLLM's KV-event ZMQ framing (ZmqEventPublisher in vllm/distributed/kv_events.py): each batch is a
// three-frame message [topic (utf-8), sequence (8-byte big-endian, from 0 per publisher), msgpack
// payload]. The publisher side serves our vLLM-compatible server; the subscriber side is what a
// worker runs in front of a real vLLM, with sequence-gap detection. The sockets are libzmq's, through
// the optional `zeromq` package, loaded when start() is first called.
import type { Subscriber, XPublisher } from 'zeromq';
import type { KvEventBatch, KvEventListener } from '../types.js';
import { KvEventDecodeError, decodeKvEventBatch, encodeKvEventBatch, KvEventLayout } from './kv-event-codec.js';
import { loadZmq } from './zmq.js';

/** A break in the sequence: batches were lost (slow subscriber, reconnect) or the publisher restarted. */
export interface KvEventGap {
  /** The sequence number we expected next. */
  readonly expected: bigint;
  readonly received: bigint;
  /** 'missed': received > expected, (received - expected) batches lost. 'reset': the publisher restarted its count. */
  readonly kind: 'missed' | 'reset';
}
export type KvEventGapListener = (gap: KvEventGap) => void;

export function encodeSequence(seq: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(seq, 0);
  return bytes;
}

/** vLLM's heuristic (ZmqEventPublisher._socket_setup): bind when the endpoint has '*' or '::', else connect. */
export function endpointBinds(endpoint: string): boolean {
  return endpoint.includes('*') || endpoint.includes('::');
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

export interface KvEventPublisherOptions {
  /** e.g. 'tcp://*:5557' (binds) or 'tcp://host:5557' (connects), as vLLM decides; 'tcp://host:0' binds a free port. */
  readonly endpoint: string;
  /** vLLM's default topic is ''. */
  readonly topic?: string;
  readonly layout?: KvEventLayout;
  /** A send that libzmq refused; the batch is lost (the subscriber sees a gap). */
  readonly onError?: (error: Error) => void;
}

export class KvEventPublisher {
  private socket: XPublisher | undefined;
  private starting: Promise<number | undefined> | undefined;
  private readonly topic: Buffer;
  private readonly subscribedPrefixes = new Set<string>();
  private nextSeq = 0n;
  private boundPort: number | undefined;
  private closed = false;

  constructor(private readonly options: KvEventPublisherOptions) {
    this.topic = Buffer.from(options.topic ?? '', 'utf8');
  }

  /** Binds or connects; resolves with the bound port when binding (port 0 picks a free one). */
  start(): Promise<number | undefined> {
    this.starting ??= this.open().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  /** Distinct topic prefixes that at least one connected subscriber holds (to wait for a subscriber in tests). */
  get subscribedPrefixCount(): number {
    return this.subscribedPrefixes.size;
  }

  /** Sends one batch; without a started socket or subscribers it is dropped, as a PUB socket drops it. */
  publish(batch: KvEventBatch): void {
    const seq = this.nextSeq;
    this.nextSeq += 1n;
    if (!this.socket || this.closed) return;
    const payload = encodeKvEventBatch(batch, this.options.layout ?? KvEventLayout.Array);
    // An XPUB send never waits (over the high-water mark libzmq drops), so sends stay in call order.
    this.socket.send([this.topic, encodeSequence(seq), payload]).catch((error: unknown) => this.options.onError?.(asError(error)));
  }

  /** Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket?.close();
    this.subscribedPrefixes.clear();
  }

  private async open(): Promise<number | undefined> {
    const zmq = await loadZmq();
    if (this.closed) return undefined;
    // XPUB, not PUB: the same to a SUB peer, but it hands us the subscriptions, so a caller can wait
    // for a subscriber before publishing (a SUB that joins late misses what was sent before).
    const socket = new zmq.XPublisher();
    this.socket = socket;
    void this.trackSubscriptions(socket);
    try {
      if (endpointBinds(this.options.endpoint) || /:0$/.test(this.options.endpoint)) {
        await socket.bind(this.options.endpoint);
        // lastEndpoint is what libzmq bound, e.g. 'tcp://127.0.0.1:43803' for a ':0' request.
        this.boundPort = Number(/:(\d+)$/.exec(socket.lastEndpoint ?? '')?.[1]);
      } else socket.connect(this.options.endpoint);
    } catch (error) {
      this.close();
      throw error;
    }
    return this.boundPort;
  }

  /**
   * libzmq reports a prefix when its first subscriber arrives (byte 1) and when its last one leaves
   * (byte 0). The receive this keeps pending is also what makes libzmq take in its peers'
   * subscriptions in time, since it works on a socket's peers only inside calls on that socket.
   */
  private async trackSubscriptions(socket: XPublisher): Promise<void> {
    try {
      for await (const [message] of socket) {
        if (!message || message.length === 0) continue;
        const prefix = message.subarray(1).toString('hex');
        if (message[0] === 1) this.subscribedPrefixes.add(prefix);
        else if (message[0] === 0) this.subscribedPrefixes.delete(prefix);
      }
    } catch (error) {
      if (!socket.closed) this.options.onError?.(asError(error));
    }
  }
}

export interface KvEventSubscriberOptions {
  readonly endpoint: string;
  readonly topic?: string;
  readonly onBatch: KvEventListener;
  readonly onGap?: KvEventGapListener;
  /** Malformed messages and failed handshakes are reported here; they never throw into the socket. */
  readonly onError?: (error: Error) => void;
}

/** libzmq redials a lost publisher (a restarted vLLM) from every 100 ms, backing off to every 2 s. */
const RECONNECT_MS = 100;
const MAX_RECONNECT_MS = 2000;

export class KvEventSubscriber {
  private socket: Subscriber | undefined;
  private lastSeq: bigint | undefined;
  private starting: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: KvEventSubscriberOptions) {}

  /** Connects (libzmq keeps reconnecting, and resubscribes, until close()); rejects when zeromq cannot load. */
  start(): Promise<void> {
    this.starting ??= this.open().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /** Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket?.close();
  }

  /** Exposed for tests and for replay sources; one three-frame message. */
  receive(parts: readonly Buffer[]): void {
    try {
      if (parts.length !== 3) throw new KvEventDecodeError(`expected 3 frames [topic, seq, payload], got ${parts.length}`, 'message');
      const [, seqFrame, payload] = parts as [Buffer, Buffer, Buffer];
      if (seqFrame.length !== 8) throw new KvEventDecodeError(`sequence frame has ${seqFrame.length} bytes, expected 8`, 'message');
      const seq = seqFrame.readBigInt64BE(0);
      const batch = decodeKvEventBatch(payload);
      this.track(seq);
      this.options.onBatch(batch);
    } catch (error) {
      this.options.onError?.(asError(error));
    }
  }

  private async open(): Promise<void> {
    const zmq = await loadZmq();
    if (this.closed) return;
    const socket = new zmq.Subscriber({ reconnectInterval: RECONNECT_MS, reconnectMaxInterval: MAX_RECONNECT_MS });
    this.socket = socket;
    socket.subscribe(this.options.topic ?? '');
    const reportHandshake = (event: { address: string; error: Error }): void =>
      this.options.onError?.(new Error(`ZMQ handshake with ${event.address} failed: ${event.error.message}`, { cause: event.error }));
    socket.events.on('handshake:error:protocol', reportHandshake);
    socket.events.on('handshake:error:other', reportHandshake);
    socket.connect(this.options.endpoint);
    void this.consume(socket);
  }

  private async consume(socket: Subscriber): Promise<void> {
    try {
      for await (const parts of socket) this.receive(parts);
    } catch (error) {
      if (!socket.closed) this.options.onError?.(asError(error));
    }
  }

  private track(seq: bigint): void {
    const expected = this.lastSeq === undefined ? undefined : this.lastSeq + 1n;
    this.lastSeq = seq;
    if (expected === undefined || seq === expected) return;
    this.options.onGap?.({ expected, received: seq, kind: seq > expected ? 'missed' : 'reset' });
  }
}
