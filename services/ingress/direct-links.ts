// The ingress's direct connections to workers that registered one (`--direct-listen` on the worker): a
// generate request and its stream go over the worker's socket instead of through nats-server, one broker
// round trip less on every request (~0.8 ms on the 2-core VM of BENCHMARKS.md, path-latency).
//
// One connection per worker, opened on the first request that picks it: the token comes from the worker
// over NATS (atc.worker.<id>.direct, which only the ingress may ask), then the connection says hello and
// waits for `ready`. Until a connection is up, and after one fails (until a retry a second later), requests
// go over NATS as before, so a direct path never delays or refuses a request. A connection that drops
// fails its open streams with a retryable WorkerLost, as a worker gone silent on NATS does.
import { connect as netConnect, type Socket } from 'node:net';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { InboxStream } from '../../shared/nats/index.js';
import { AtcError, ErrorCode, decodeMessage, workerSubjects } from '../../shared/protocol/index.js';
import { FrameReader, decodeWorkerFrame, encodeFrame, splitHostPort, type IngressFrame } from '../../shared/protocol/direct-frames.js';

/** ms to get a grant, connect and hear `ready`; past it the request path stays on NATS. */
const CONNECT_TIMEOUT_MS = 2_000;
/** ms after a failed or dropped connection before the next attempt. */
const RETRY_AFTER_MS = 1_000;

/** A request's way to its worker over the direct connection. */
export interface DirectStream {
  /** Where the acceptance and the stream arrive. */
  readonly inbox: InboxStream;
  /** Sends the encoded generate request; `trace`: W3C trace context. */
  send(data: Uint8Array, trace: Record<string, string>): void;
}

class Link {
  socket: Socket | undefined;
  up = false;
  retryAt = 0;
  private nextSid = 0;
  readonly streams = new Map<number, InboxStream>();

  constructor(
    readonly workerId: string,
    readonly address: string,
  ) {}

  open(): DirectStream | undefined {
    const socket = this.socket;
    if (!this.up || socket === undefined || socket.destroyed) return undefined;
    const sid = this.nextSid++;
    const inbox = new InboxStream(`direct.${this.workerId}.${sid}`, () => this.streams.delete(sid));
    this.streams.set(sid, inbox);
    return {
      inbox,
      send: (data, trace) => write(socket, { t: 'gen', sid, data, ...(Object.keys(trace).length > 0 ? { trace } : {}) }),
    };
  }

  /** The connection is gone: every open stream fails (retryably), the next attempt waits a while. */
  drop(why: string): void {
    this.up = false;
    this.retryAt = Date.now() + RETRY_AFTER_MS;
    this.socket?.destroy();
    const err = new AtcError(ErrorCode.WorkerLost, `direct connection to worker ${this.workerId} closed: ${why}`, true);
    for (const inbox of this.streams.values()) inbox.fail(err);
    this.streams.clear();
  }
}

function write(socket: Socket, frame: IngressFrame): void {
  socket.write(encodeFrame(frame));
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
   * or it is not up yet (this starts it; the request goes over NATS meanwhile).
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
      this.establish(link);
      return undefined;
    }
    if (!link.up && link.socket === undefined && Date.now() >= link.retryAt) this.establish(link);
    return link.open();
  }

  /** Connections up now (tests, metrics). */
  get connected(): number {
    let n = 0;
    for (const l of this.links.values()) if (l.up) n++;
    return n;
  }

  close(): void {
    this.closed = true;
    for (const l of this.links.values()) l.drop('ingress closing');
    this.links.clear();
  }

  private establish(link: Link): void {
    const fail = (err: unknown) => {
      if (this.links.get(link.workerId) !== link) return;
      this.logger.info(
        { workerId: link.workerId, address: link.address, err: String(err) },
        'direct connection failed: requests go over NATS',
      );
      link.drop(String(err));
      link.socket = undefined;
    };
    void (async () => {
      const reply = await this.nc.request(workerSubjects.direct(link.workerId), new Uint8Array(0), { timeout: CONNECT_TIMEOUT_MS });
      const grant = decodeMessage(reply.data, 'direct.grant.v1');
      if (grant.workerId !== link.workerId) throw new Error(`grant names worker ${grant.workerId}`);
      const { host, port } = splitHostPort(grant.address);
      const socket = netConnect({ host, port });
      socket.setNoDelay(true);
      link.socket = socket;
      const ready = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
        const reader = new FrameReader((raw) => {
          const frame = decodeWorkerFrame(raw);
          if (frame.t === 'ready') {
            clearTimeout(timer);
            link.up = true;
            resolve();
            return;
          }
          link.streams.get(frame.sid)?.deliver({ data: frame.data, headers: headersOf(frame.hops) });
        });
        socket.on('data', (chunk: Buffer) => {
          try {
            reader.push(chunk);
          } catch (err) {
            this.logger.warn({ workerId: link.workerId, err: String(err) }, 'closed a direct connection on a bad frame');
            link.drop(`bad frame: ${String(err)}`);
          }
        });
        socket.on('error', (err) => reject(err));
        socket.on('close', () => {
          clearTimeout(timer);
          reject(new Error('connection closed'));
          if (link.socket === socket) {
            link.drop('connection closed');
            link.socket = undefined;
          }
        });
      });
      socket.once('connect', () => write(socket, { t: 'hello', token: grant.token }));
      await ready;
      this.logger.debug({ workerId: link.workerId, address: grant.address }, 'direct connection up');
    })().catch(fail);
  }
}
