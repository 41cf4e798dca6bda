// The ingress's direct connections to workers that registered one (`--direct-listen` on the worker): a
// generate request and its stream go over the worker's socket instead of through nats-server, one broker
// round trip less on every request (path-latency, BENCHMARKS.md).
//
// One connection per worker, opened on the first request that picks it: the token comes from the worker
// over NATS (atc.worker.<id>.direct, which only the ingress may ask), then the connection says hello and
// waits for `ready`. Until a connection is up, and after one fails or drops (for 1 s, doubling with each
// failure in a row up to 60 s), requests go over NATS as before, so a direct path never delays or refuses
// a request. A connection that drops fails its open streams with a retryable WorkerLost, as a worker gone
// silent on NATS does; so does one that stops answering (a request timed out on it), and TCP keepalive
// finds a peer that vanished without a word.
import { connect as netConnect, type Socket } from 'node:net';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { InboxStream } from '../../shared/nats/index.js';
import { AtcError, ErrorCode, decodeMessage, workerSubjects } from '../../shared/protocol/index.js';
import { FrameReader, decodeWorkerFrame, encodeFrame, splitHostPort, type IngressFrame } from '../../shared/protocol/direct-frames.js';

/** ms to get a grant, connect and hear `ready`; past it the request path stays on NATS. */
const CONNECT_TIMEOUT_MS = 2_000;
/** ms after a failed or dropped connection before the next attempt, doubling with each failure in a row up to RETRY_MAX_MS. */
const RETRY_AFTER_MS = 1_000;
const RETRY_MAX_MS = 60_000;
/** ms a connection must have been up for its drop to count as a fresh start (not one more failure in a row). */
const STABLE_AFTER_MS = 30_000;
/** ms of silence before TCP keepalive probes a connection. */
const KEEPALIVE_MS = 5_000;
/** Bytes queued unsent on a connection past which new requests go over NATS (a peer that stopped reading). */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

/** A request's way to its worker over the direct connection. */
export interface DirectStream {
  /** Where the acceptance and the stream arrive. */
  readonly inbox: InboxStream;
  /** Sends the encoded generate request; `trace`: W3C trace context. */
  send(data: Uint8Array, trace: Record<string, string>): void;
  /** Asks the worker to stop the request (on the same connection, so it cannot overtake the request). */
  cancel(requestId: string): void;
}

class Link {
  /** The connection being opened or in use; only its own events change the link. */
  socket: Socket | undefined;
  up = false;
  /** An attempt is under way (grant, connect, hello): no second one. */
  connecting = false;
  upSince = 0;
  retryAt = 0;
  /** Attempts that failed, or connections that dropped soon after opening, in a row. */
  failures = 0;
  private nextSid = 0;
  readonly streams = new Map<number, InboxStream>();

  constructor(
    readonly workerId: string,
    readonly address: string,
  ) {}

  open(): DirectStream | undefined {
    const socket = this.socket;
    if (!this.up || socket === undefined || socket.destroyed || socket.writableLength > MAX_QUEUED_BYTES) return undefined;
    const sid = this.nextSid++;
    const inbox = new InboxStream(`direct.${this.workerId}.${sid}`, () => this.streams.delete(sid));
    this.streams.set(sid, inbox);
    return {
      inbox,
      send: (data, trace) => write(socket, { t: 'gen', sid, data, ...(Object.keys(trace).length > 0 ? { trace } : {}) }),
      cancel: (requestId) => write(socket, { t: 'cancel', requestId }),
    };
  }

  /** The connection is gone (or never came): every open stream fails (retryably), the next attempt waits a while. */
  drop(why: string): void {
    if (this.up && Date.now() - this.upSince >= STABLE_AFTER_MS) this.failures = 0;
    this.retryAt = Date.now() + Math.min(RETRY_MAX_MS, RETRY_AFTER_MS * 2 ** this.failures);
    this.failures++;
    this.up = false;
    this.connecting = false;
    this.socket?.destroy();
    this.socket = undefined;
    const err = new AtcError(ErrorCode.WorkerLost, `direct connection to worker ${this.workerId} closed: ${why}`, true);
    for (const inbox of this.streams.values()) inbox.fail(err);
    this.streams.clear();
  }
}

function write(socket: Socket, frame: IngressFrame): void {
  if (!socket.destroyed) socket.write(encodeFrame(frame));
}

function headersOf(hops: Readonly<Record<string, string>> | undefined): MsgHdrs | undefined {
  if (hops === undefined) return undefined;
  const h = natsHeaders();
  for (const [k, v] of Object.entries(hops)) h.set(k, v);
  return h;
}

export class DirectLinks {
  private readonly links = new Map<string, Link>();
  private closed = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly logger: Logger,
  ) {}

  /**
   * A stream over the worker's direct connection, or undefined: the worker has none (`address` undefined),
   * or it is not up (this starts it when no attempt is under way or waiting; the request goes over NATS).
   */
  open(workerId: string, address: string | undefined): DirectStream | undefined {
    if (address === undefined || this.closed) return undefined;
    let link = this.links.get(workerId);
    if (link !== undefined && link.address !== address) {
      // The worker restarted on another port.
      link.drop('the worker registered another address');
      link = undefined;
    }
    if (link === undefined) {
      link = new Link(workerId, address);
      this.links.set(workerId, link);
    }
    if (!link.up && !link.connecting && Date.now() >= link.retryAt) this.establish(link);
    return link.open();
  }

  /**
   * A request on the worker's connection got no answer in time: the connection no longer carries
   * requests (its streams fail, later requests use NATS) until a new one proves the worker there again.
   */
  reset(workerId: string, why: string): void {
    const link = this.links.get(workerId);
    if (link?.up) {
      this.logger.warn({ workerId, why }, 'direct connection stopped answering: requests go over NATS');
      link.drop(why);
    }
  }

  /** Forgets a worker that left the fleet (its connection, if any, is closed). */
  forget(workerId: string): void {
    this.links.get(workerId)?.drop('the worker left');
    this.links.delete(workerId);
  }

  /** Connections up now (tests, metrics). */
  get connected(): number {
    let n = 0;
    for (const l of this.links.values()) if (l.up) n++;
    return n;
  }

  /** Direct streams open now (tests: none left behind). */
  get openStreams(): number {
    let n = 0;
    for (const l of this.links.values()) n += l.streams.size;
    return n;
  }

  close(): void {
    this.closed = true;
    for (const l of this.links.values()) l.drop('ingress closing');
    this.links.clear();
  }

  private establish(link: Link): void {
    link.connecting = true;
    /** This attempt still owns the link: not closed, not replaced, not superseded by another socket. */
    const current = (socket?: Socket) =>
      !this.closed && this.links.get(link.workerId) === link && (socket === undefined || link.socket === socket);
    const fail = (err: unknown, socket?: Socket) => {
      if (!current(socket)) {
        socket?.destroy();
        return;
      }
      // Said once per run of failures (a missing NATS permission would otherwise log at every retry).
      if (link.failures === 0)
        this.logger.warn(
          { workerId: link.workerId, address: link.address, err: String(err) },
          'direct connection failed: requests go over NATS',
        );
      link.drop(String(err));
    };
    void (async () => {
      // noMux: its own inbox, so the worker does not learn the ingress's shared reply subject.
      const reply = await this.nc.request(workerSubjects.direct(link.workerId), new Uint8Array(0), {
        timeout: CONNECT_TIMEOUT_MS,
        noMux: true,
      });
      const grant = decodeMessage(reply.data, 'direct.grant.v1');
      if (grant.workerId !== link.workerId) throw new Error(`grant names worker ${grant.workerId}`);
      // Only the registered address (a key the worker alone may write) is trusted as where the worker is.
      if (grant.address !== link.address) throw new Error(`grant names ${grant.address}, the registry ${link.address}`);
      if (!current()) return;
      const { host, port } = splitHostPort(grant.address);
      const socket = netConnect({ host, port });
      socket.setNoDelay(true);
      socket.setKeepAlive(true, KEEPALIVE_MS);
      link.socket = socket;
      const timer = setTimeout(() => fail(new Error(`no ready within ${CONNECT_TIMEOUT_MS} ms`), socket), CONNECT_TIMEOUT_MS);
      const reader = new FrameReader((raw) => {
        const frame = decodeWorkerFrame(raw);
        if (frame.t === 'ready') {
          clearTimeout(timer);
          if (!current(socket)) return socket.destroy();
          link.up = true;
          link.connecting = false;
          link.upSince = Date.now();
          this.logger.debug({ workerId: link.workerId, address: grant.address }, 'direct connection up');
          return;
        }
        link.streams.get(frame.sid)?.deliver({ data: frame.data, headers: headersOf(frame.hops) });
      });
      socket.on('data', (chunk: Buffer) => {
        try {
          reader.push(chunk);
        } catch (err) {
          this.logger.warn({ workerId: link.workerId, err: String(err) }, 'closed a direct connection on a bad frame');
          fail(new Error(`bad frame: ${String(err)}`), socket);
        }
      });
      socket.on('error', (err) => this.logger.debug({ workerId: link.workerId, err: String(err) }, 'direct connection error'));
      socket.on('close', () => {
        clearTimeout(timer);
        if (current(socket)) link.drop('connection closed');
      });
      socket.once('connect', () => write(socket, { t: 'hello', token: grant.token }));
    })().catch((err: unknown) => fail(err));
  }
}
