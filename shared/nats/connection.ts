// Connects a service to NATS with the project's defaults: endless reconnects (a service outlives a NATS
// restart), a name that shows in `nats server report connections`, and reconnect logging.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

export interface ConnectOptions {
  readonly servers: string;
  /** Connection name, e.g. "atc-ingress" or "atc-decode-worker/decode-1". */
  readonly name: string;
  readonly logger?: Logger;
  /** Called on each reconnect (metrics). */
  readonly onReconnect?: () => void;
}

export async function connectNats(options: ConnectOptions): Promise<NatsConnection> {
  const nc = await connect({
    servers: options.servers.split(',').map((s) => s.trim()),
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    // No Error (and stack capture) made up front for every request() in case it fails: that cost the
    // ingress ~0.1 ms a pick and dispatch (path-latency profile, BENCHMARKS.md); failures keep their own stack.
    noAsyncTraces: true,
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'reconnect') options.onReconnect?.();
      if (status.type === 'disconnect' || status.type === 'reconnect' || status.type === 'error') {
        options.logger?.warn({ natsStatus: status.type, server: 'server' in status ? status.server : undefined }, `nats ${status.type}`);
      }
    }
  })().catch(() => undefined);
  return nc;
}
