// A ZMQ PUB socket: sends each multipart message to every ready SUB peer whose subscription is a
// prefix of the message's first frame. Like libzmq, a peer that is too slow (write buffer above the
// high-water mark) misses messages instead of blocking the publisher.
import { ZmtpSocketType } from './connection.js';
import type { ZmtpConnection } from './connection.js';
import { ZmtpTransport } from './transport.js';

export interface ZmtpPubSocketOptions {
  /** Per-peer write buffer limit, bytes; beyond it messages to that peer are dropped. */
  readonly highWaterMarkBytes?: number;
  /** Called on a peer's protocol error (the peer is dropped, the socket lives on). */
  readonly onPeerError?: (error: Error) => void;
}

const DEFAULT_HWM_BYTES = 64 * 1024 * 1024;

export class ZmtpPubSocket {
  private readonly transport: ZmtpTransport;
  private readonly subscriptions = new Map<ZmtpConnection, Buffer[]>();
  private readonly hwmBytes: number;
  /** Messages not delivered to some peer because it was over the high-water mark. */
  droppedForSlowPeers = 0;

  constructor(options: ZmtpPubSocketOptions = {}) {
    this.hwmBytes = options.highWaterMarkBytes ?? DEFAULT_HWM_BYTES;
    this.transport = new ZmtpTransport({
      localType: ZmtpSocketType.Pub,
      acceptedPeerTypes: [ZmtpSocketType.Sub, ZmtpSocketType.XSub],
      events: {
        onReady: (c) => this.subscriptions.set(c, []),
        // ZMTP 3.0: a subscription is a message whose first byte is 1 (subscribe) or 0 (cancel).
        onMessage: (c, parts) => {
          const body = parts[0]!;
          if (parts.length !== 1 || body.length === 0) return;
          if (body[0] === 1) this.subscribe(c, body.subarray(1));
          else if (body[0] === 0) this.cancel(c, body.subarray(1));
        },
        // ZMTP 3.1: SUBSCRIBE / CANCEL commands.
        onCommand: (c, command) => {
          if (command.name === 'SUBSCRIBE') this.subscribe(c, command.data);
          else if (command.name === 'CANCEL') this.cancel(c, command.data);
        },
        onClose: (c, error) => {
          this.subscriptions.delete(c);
          if (error) options.onPeerError?.(error);
        },
      },
    });
  }

  bind(endpoint: string): Promise<number> {
    return this.transport.bind(endpoint);
  }

  connect(endpoint: string): void {
    this.transport.connect(endpoint);
  }

  /** Number of peers that have completed the handshake. */
  get peerCount(): number {
    return this.subscriptions.size;
  }

  /** Number of (peer, prefix) subscriptions, to wait for subscribers in tests and at startup. */
  get subscriptionCount(): number {
    let count = 0;
    for (const prefixes of this.subscriptions.values()) count += prefixes.length;
    return count;
  }

  send(parts: readonly Buffer[]): void {
    const topic = parts[0] ?? Buffer.alloc(0);
    for (const [connection, prefixes] of this.subscriptions) {
      if (!prefixes.some((prefix) => topic.subarray(0, prefix.length).equals(prefix))) continue;
      if (connection.bufferedBytes > this.hwmBytes) {
        this.droppedForSlowPeers += 1;
        continue;
      }
      connection.sendMessage(parts);
    }
  }

  close(): void {
    this.transport.close();
    this.subscriptions.clear();
  }

  private subscribe(connection: ZmtpConnection, prefix: Buffer): void {
    this.subscriptions.get(connection)?.push(Buffer.from(prefix));
  }

  private cancel(connection: ZmtpConnection, prefix: Buffer): void {
    const prefixes = this.subscriptions.get(connection);
    if (!prefixes) return;
    const index = prefixes.findIndex((p) => p.equals(prefix));
    if (index >= 0) prefixes.splice(index, 1);
  }
}
