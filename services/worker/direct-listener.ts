// The worker's direct connection (`--direct-listen host:port`): the ingress sends generate requests here
// and reads the acceptance and the stream on the same TCP connection, with no broker between them. On the
// 2-core VM of BENCHMARKS.md a request-reply through nats-server costs ~0.8 ms more than one over a socket
// between the same two processes (each broker hop is a write and a wake-up of nats-server), and the
// request path makes one such round trip (path-latency). NATS stays the control plane: registration,
// cancels, events, and every request of an ingress that has no connection up.
//
// Who may connect: a connection's first frame must carry this process's random token, which the worker
// hands out only on atc.worker.<id>.direct, a subject only the ingress's NATS user may publish to; the
// token is as guarded as the worker's generate subject. The connection is plain TCP: like NATS without
// TLS, listen on a private network or on loopback (the default advertised host is the listen host).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { encodeMessage, workerSubjects } from '../../shared/protocol/index.js';
import {
  FrameReader,
  MAX_FRAME_BYTES,
  decodeIngressFrame,
  encodeFrame,
  isConnectableAddress,
  splitHostPort,
  type WorkerFrame,
} from '../../shared/protocol/direct-frames.js';
import { contextFromHttpHeaders } from '../../shared/telemetry/index.js';
import { HOP_HEADER } from '../../shared/telemetry/hop-timing.js';
import type { GenerateHandler, RequesterChannel } from './generate-handler.js';

/** ms a new connection has to present the token. */
const HELLO_TIMEOUT_MS = 5_000;
/** Bytes of a frame before the token is shown: a hello is tens of bytes, and a stranger gets no room to fill. */
const HELLO_MAX_BYTES = 1024;
/**
 * Connections at once (authenticated or not): one per ingress is the use, so this only bounds what a
 * stranger who can reach the port holds open (file descriptors the worker's NATS and engine sockets need).
 */
const MAX_CONNECTIONS = 256;

export interface DirectListenerOptions {
  /** host:port to listen on; port 0 takes any free port. */
  readonly listen: string;
  /** Host the registration advertises; default the listen host (give one when listening on 0.0.0.0 or ::). */
  readonly advertiseHost?: string;
  readonly maxFrameBytes?: number;
}

export class DirectListener {
  private readonly token = randomBytes(24).toString('base64url');
  private readonly sockets = new Set<Socket>();
  private grants: Subscription | undefined;

  private constructor(
    private readonly server: Server,
    /** host:port as registered. */
    readonly address: string,
    private readonly generate: GenerateHandler,
    private readonly logger: Logger,
    private readonly maxFrameBytes: number,
  ) {}

  static async start(options: DirectListenerOptions, generate: GenerateHandler, logger: Logger): Promise<DirectListener> {
    const { host, port } = splitHostPort(options.listen);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = server.address();
    const boundPort = typeof bound === 'object' && bound !== null ? bound.port : port;
    const advertised = options.advertiseHost ?? host;
    if (advertised === '0.0.0.0' || advertised === '::')
      throw new RangeError(`--direct-listen ${options.listen} needs --direct-advertise: the host the ingress connects to`);
    const address = `${advertised.includes(':') ? `[${advertised}]` : advertised}:${boundPort}`;
    // The registry drops an address the ingress could not use (the worker would serve over NATS only):
    // say so at start-up instead.
    if (!isConnectableAddress(address)) {
      server.close();
      throw new RangeError(`--direct-advertise ${advertised}: not a host name or IP address the ingress can connect to`);
    }
    server.maxConnections = MAX_CONNECTIONS;
    server.on('error', (err) => logger.warn({ err: String(err) }, 'direct connection listener error'));
    const listener = new DirectListener(server, address, generate, logger, options.maxFrameBytes ?? MAX_FRAME_BYTES);
    server.on('connection', (socket) => listener.accept(socket));
    return listener;
  }

  /** Connections open now (tests). */
  get connections(): number {
    return this.sockets.size;
  }

  /** Answers atc.worker.<id>.direct with the address and token. */
  grantOn(nc: NatsConnection, workerId: string): void {
    const grant = encodeMessage({ type: 'direct.grant.v1', workerId, address: this.address, token: this.token });
    this.grants = nc.subscribe(workerSubjects.direct(workerId), { callback: (_err, msg) => void msg.respond(grant) });
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    /** Aborted when the connection goes: the engine stops the work of a requester that is gone. */
    const gone = new AbortController();
    // One listener per request in flight on this connection: hundreds are normal, not a leak.
    setMaxListeners(0, gone.signal);
    let authed = false;
    const helloTimer = setTimeout(() => {
      this.logger.warn({ peer }, 'direct connection sent no hello: closed');
      socket.destroy();
    }, HELLO_TIMEOUT_MS);
    const write = (frame: WorkerFrame) => {
      if (!socket.destroyed) socket.write(encodeFrame(frame));
    };
    const channel = (sid: number): RequesterChannel => ({
      get open() {
        return !socket.destroyed;
      },
      gone: gone.signal,
      reply: (data) => write({ t: 'msg', sid, data }),
      stream: (data, hops) => write({ t: 'msg', sid, data, ...(hops ? { hops: { [HOP_HEADER]: JSON.stringify(hops) } } : {}) }),
    });
    const reader = new FrameReader((raw) => {
      const frame = decodeIngressFrame(raw);
      if (!authed) {
        if (frame.t !== 'hello' || !this.tokenMatches(frame.token))
          throw new Error('the first frame must be a hello with the granted token');
        authed = true;
        reader.maxFrameBytes = this.maxFrameBytes;
        clearTimeout(helloTimer);
        write({ t: 'ready' });
        return;
      }
      if (frame.t === 'cancel') return this.generate.cancel(frame.requestId);
      if (frame.t !== 'gen') throw new Error('hello twice');
      this.generate.handleDirect(frame.data, contextFromHttpHeaders(frame.trace ?? {}), channel(frame.sid));
    }, HELLO_MAX_BYTES);
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (err) {
        // The stream's framing or its peer cannot be trusted any more: drop the connection, keep serving.
        this.logger.warn({ peer, err: String(err) }, 'closed a direct connection on a bad frame');
        socket.destroy();
      }
    });
    socket.on('error', (err) => this.logger.debug({ peer, err: String(err) }, 'direct connection error'));
    socket.on('close', () => {
      clearTimeout(helloTimer);
      this.sockets.delete(socket);
      gone.abort();
    });
  }

  private tokenMatches(given: string): boolean {
    const a = Buffer.from(given);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Stops taking connections and drops those open (their requests are aborted). */
  async close(): Promise<void> {
    this.grants?.unsubscribe();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
