// vLLM's KV-event ZMQ framing (ZmqEventPublisher in vllm/distributed/kv_events.py): each batch is a
// three-frame message [topic (utf-8), sequence (8-byte big-endian, from 0 per publisher), msgpack
// payload]. The publisher side serves our vLLM-compatible server; the subscriber side is what a
// worker runs in front of a real vLLM, with sequence-gap detection.
import type { KvEventBatch, KvEventListener } from '../types.js';
import { KvEventDecodeError, decodeKvEventBatch, encodeKvEventBatch, KvEventLayout } from './kv-event-codec.js';
import { ZmtpPubSocket, ZmtpSubSocket, endpointBinds } from './zmtp/index.js';

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

export interface KvEventPublisherOptions {
  /** e.g. 'tcp://*:5557' (binds) or 'tcp://host:5557' (connects), as vLLM decides. */
  readonly endpoint: string;
  /** vLLM's default topic is ''. */
  readonly topic?: string;
  readonly layout?: KvEventLayout;
}

export class KvEventPublisher {
  private readonly socket: ZmtpPubSocket;
  private readonly topic: Buffer;
  private nextSeq = 0n;
  private boundPort: number | undefined;

  constructor(private readonly options: KvEventPublisherOptions) {
    this.topic = Buffer.from(options.topic ?? '', 'utf8');
    this.socket = new ZmtpPubSocket();
  }

  /** Binds or connects; resolves with the bound port when binding (port 0 picks a free one). */
  async start(): Promise<number | undefined> {
    if (endpointBinds(this.options.endpoint) || /:0$/.test(this.options.endpoint)) {
      this.boundPort = await this.socket.bind(this.options.endpoint);
    } else this.socket.connect(this.options.endpoint);
    return this.boundPort;
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  /** Subscriptions across connected peers (to wait for a subscriber before publishing in tests). */
  get subscriptionCount(): number {
    return this.socket.subscriptionCount;
  }

  publish(batch: KvEventBatch): void {
    const payload = encodeKvEventBatch(batch, this.options.layout ?? KvEventLayout.Array);
    this.socket.send([this.topic, encodeSequence(this.nextSeq), payload]);
    this.nextSeq += 1n;
  }

  close(): void {
    this.socket.close();
  }
}

export interface KvEventSubscriberOptions {
  readonly endpoint: string;
  readonly topic?: string;
  readonly onBatch: KvEventListener;
  readonly onGap?: KvEventGapListener;
  /** Malformed messages are dropped and reported here; they never throw into the socket. */
  readonly onError?: (error: Error) => void;
  readonly reconnectMs?: number;
}

export class KvEventSubscriber {
  private readonly socket: ZmtpSubSocket;
  private lastSeq: bigint | undefined;
  private started = false;

  constructor(private readonly options: KvEventSubscriberOptions) {
    this.socket = new ZmtpSubSocket({
      topics: [options.topic ?? ''],
      onMessage: (parts) => this.receive(parts),
      onPeerClosed: (error) => {
        if (error) options.onError?.(error);
      },
      reconnectMs: options.reconnectMs,
    });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.socket.connect(this.options.endpoint);
  }

  close(): void {
    this.socket.close();
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
      this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private track(seq: bigint): void {
    const expected = this.lastSeq === undefined ? undefined : this.lastSeq + 1n;
    this.lastSeq = seq;
    if (expected === undefined || seq === expected) return;
    this.options.onGap?.({ expected, received: seq, kind: seq > expected ? 'missed' : 'reset' });
  }
}
