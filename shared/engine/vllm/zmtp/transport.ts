// The TCP side of a ZMQ socket: bind (accept many peers) and/or connect (with reconnect), each
// connection wrapped in a ZmtpConnection. PUB and SUB sockets compose one of these.
import { createConnection, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { ZmtpConnection } from './connection.js';
import type { ZmtpConnectionEvents, ZmtpSocketType } from './connection.js';

export interface TcpEndpoint {
  /** undefined: all interfaces (ZMQ's '*'). */
  readonly host: string | undefined;
  readonly port: number;
}

/** Parses 'tcp://host:port' (host may be '*', a name, IPv4 or [IPv6]). Only tcp is supported. */
export function parseTcpEndpoint(endpoint: string): TcpEndpoint {
  const match = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(endpoint);
  if (!match) throw new TypeError(`unsupported ZMQ endpoint '${endpoint}' (expected tcp://host:port)`);
  const rawHost = match[1]!;
  const port = Number(match[2]);
  if (port > 65535) throw new TypeError(`port out of range in '${endpoint}'`);
  const host = rawHost === '*' ? undefined : rawHost.replace(/^\[|\]$/g, '');
  return { host, port };
}

/** vLLM's heuristic (ZmqEventPublisher._socket_setup): bind when the endpoint has '*' or '::', else connect. */
export function endpointBinds(endpoint: string): boolean {
  return endpoint.includes('*') || endpoint.includes('::');
}

export interface ZmtpTransportOptions {
  readonly localType: ZmtpSocketType;
  readonly acceptedPeerTypes: readonly ZmtpSocketType[];
  readonly events: ZmtpConnectionEvents;
  /** First reconnect delay, ms; doubles per failure up to maxReconnectMs. libzmq's ZMQ_RECONNECT_IVL default is 100 ms. */
  readonly reconnectMs?: number;
  readonly maxReconnectMs?: number;
}

export class ZmtpTransport {
  readonly connections = new Set<ZmtpConnection>();
  private readonly servers: Server[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly dialing = new Set<Socket>();
  private closed = false;

  constructor(private readonly options: ZmtpTransportOptions) {}

  /** Listens on the endpoint; resolves with the bound port (useful with port 0). */
  async bind(endpoint: string): Promise<number> {
    const { host, port } = parseTcpEndpoint(endpoint);
    const server = createServer((socket) => this.adopt(socket));
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  /** Dials the endpoint now and again whenever the connection drops, until close(). */
  connect(endpoint: string): void {
    const { host, port } = parseTcpEndpoint(endpoint);
    const base = this.options.reconnectMs ?? 100;
    const max = this.options.maxReconnectMs ?? 2000;
    let delay = base;
    const dial = (): void => {
      if (this.closed) return;
      const socket = createConnection({ host: host ?? '127.0.0.1', port });
      this.dialing.add(socket);
      let established = false;
      socket.once('connect', () => {
        established = true;
        delay = base;
      });
      socket.once('close', () => {
        this.dialing.delete(socket);
        if (this.closed) return;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          dial();
        }, established ? base : delay);
        if (!established) delay = Math.min(max, delay * 2);
        this.timers.add(timer);
      });
      this.adopt(socket);
    };
    dial();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const server of this.servers) server.close();
    for (const connection of [...this.connections]) connection.close();
    for (const socket of this.dialing) socket.destroy();
  }

  private adopt(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const events = this.options.events;
    const connection = new ZmtpConnection(socket, this.options.localType, this.options.acceptedPeerTypes, {
      onReady: (c) => events.onReady(c),
      onMessage: (c, parts) => events.onMessage(c, parts),
      onCommand: (c, command) => events.onCommand(c, command),
      onClose: (c, error) => {
        this.connections.delete(c);
        events.onClose(c, error);
      },
    });
    this.connections.add(connection);
  }
}
