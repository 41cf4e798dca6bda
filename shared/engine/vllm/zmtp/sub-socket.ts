// A ZMQ SUB socket: subscribes every peer to its topic prefixes (sent again on each reconnect) and
// hands whole multipart messages to one listener.
import { ZmtpSocketType } from './connection.js';
import type { ZmtpConnection } from './connection.js';
import { ZmtpTransport } from './transport.js';

export interface ZmtpSubSocketOptions {
  /** Topic prefixes; [''] receives everything. */
  readonly topics: readonly string[];
  readonly onMessage: (parts: Buffer[]) => void;
  /** A peer connected and was subscribed (called again after each reconnect). */
  readonly onPeerReady?: () => void;
  /** A peer connection ended; error is set for protocol or socket errors. */
  readonly onPeerClosed?: (error?: Error) => void;
  readonly reconnectMs?: number;
}

export class ZmtpSubSocket {
  private readonly transport: ZmtpTransport;

  constructor(private readonly options: ZmtpSubSocketOptions) {
    this.transport = new ZmtpTransport({
      localType: ZmtpSocketType.Sub,
      acceptedPeerTypes: [ZmtpSocketType.Pub, ZmtpSocketType.XPub],
      reconnectMs: options.reconnectMs,
      events: {
        onReady: (c) => this.subscribeAll(c),
        onMessage: (_c, parts) => options.onMessage(parts),
        onCommand: () => undefined,
        onClose: (_c, error) => options.onPeerClosed?.(error),
      },
    });
  }

  connect(endpoint: string): void {
    this.transport.connect(endpoint);
  }

  bind(endpoint: string): Promise<number> {
    return this.transport.bind(endpoint);
  }

  close(): void {
    this.transport.close();
  }

  private subscribeAll(connection: ZmtpConnection): void {
    // The ZMTP 3.0 form (a message starting with byte 1), which every libzmq PUB understands.
    for (const topic of this.options.topics) {
      connection.sendMessage([Buffer.concat([Buffer.from([1]), Buffer.from(topic, 'utf8')])]);
    }
    this.options.onPeerReady?.();
  }
}
