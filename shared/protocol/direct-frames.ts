// Frames of a direct connection between the ingress and a worker (`--direct-listen`): generate requests
// one way, the worker's acceptance and stream messages the other, with no broker between them. A frame is
// a 4-byte big-endian length and a msgpack map; the wire messages inside (`data`) are the bytes NATS would
// carry, so both paths share one encoding and one validation.
//
// The framing is written here rather than taken from msgpackr's PackrStream/UnpackrStream (msgpack is
// self-delimiting): an unpacking stream buffers a value of whatever size its header declares, and a
// connection must refuse a frame over its bound before buffering it.
import { Packr } from 'msgpackr';
import { ProtocolError } from './errors.js';
import { num, record, str, stringMap, type Rec } from './validate.js';

const packr = new Packr({ useRecords: false, moreTypes: false });

/** Bytes of one frame's body by default: room for an 8 MiB request body's prompt and its token ids. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** ingress -> worker, first frame: the token the worker granted (DirectGrantV1). */
export interface HelloFrame {
  readonly t: 'hello';
  readonly token: string;
}

/** ingress -> worker: an encoded generate.request.v1, answered by `msg` frames with the same `sid`. */
export interface GenerateFrame {
  readonly t: 'gen';
  /** Stream id, unique on the connection. */
  readonly sid: number;
  readonly data: Uint8Array;
  /** W3C trace context (traceparent, tracestate), as NATS headers carry it. */
  readonly trace?: Readonly<Record<string, string>>;
}

/** ingress -> worker: stop a request sent on this connection (as cancel.v1 on NATS; unknown ids are ignored). */
export interface CancelFrame {
  readonly t: 'cancel';
  readonly requestId: string;
}

/** worker -> ingress: the acceptance, a refusal or a stream message of stream `sid`. */
export interface MessageFrame {
  readonly t: 'msg';
  readonly sid: number;
  readonly data: Uint8Array;
  /** Hop stamps (ATC_HOP_TIMING benches only), as NATS headers carry them. */
  readonly hops?: Readonly<Record<string, string>>;
}

/** worker -> ingress, once, in answer to a hello with the right token: the connection takes requests. */
export interface ReadyFrame {
  readonly t: 'ready';
}

export type IngressFrame = HelloFrame | GenerateFrame | CancelFrame;
export type WorkerFrame = ReadyFrame | MessageFrame;

/** Splits host:port (an IPv6 host in brackets); port 0 allowed (a listener's "any free port"). */
export function splitHostPort(value: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new ProtocolError(`expected host:port, got ${JSON.stringify(value)}`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

/** Whether `value` is a host:port an ingress can connect to (splitHostPort's form, port 1..65535). */
export function isConnectableAddress(value: string): boolean {
  try {
    return splitHostPort(value).port >= 1;
  } catch {
    return false;
  }
}

/** One frame, length-prefixed. */
export function encodeFrame(frame: IngressFrame | WorkerFrame): Buffer {
  const body = packr.pack(frame);
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

function bytes(obj: Rec, key: string, path: string): Uint8Array {
  const v = obj[key];
  if (!(v instanceof Uint8Array)) throw new ProtocolError(`${path}.${key} must be bytes`);
  return v;
}

function sid(obj: Rec, path: string): number {
  return num(obj, 'sid', path, { int: true, min: 0, max: Number.MAX_SAFE_INTEGER });
}

function optMap(obj: Rec, key: string, path: string): Record<string, string> | undefined {
  return obj[key] === undefined || obj[key] === null ? undefined : stringMap(obj, key, path);
}

export function decodeIngressFrame(raw: unknown): IngressFrame {
  const f = record(raw, 'frame');
  const t = str(f, 't', 'frame');
  if (t === 'hello') return { t, token: str(f, 'token', 'hello', { maxLength: 256 }) };
  if (t === 'gen') {
    const trace = optMap(f, 'trace', 'gen');
    return { t, sid: sid(f, 'gen'), data: bytes(f, 'data', 'gen'), ...(trace ? { trace } : {}) };
  }
  if (t === 'cancel') return { t, requestId: str(f, 'requestId', 'cancel', { maxLength: 256 }) };
  throw new ProtocolError(`frame.t must be hello, gen or cancel, got ${JSON.stringify(t)}`);
}

export function decodeWorkerFrame(raw: unknown): WorkerFrame {
  const f = record(raw, 'frame');
  const t = str(f, 't', 'frame');
  if (t === 'ready') return { t };
  if (t !== 'msg') throw new ProtocolError(`frame.t must be ready or msg, got ${JSON.stringify(t)}`);
  const hops = optMap(f, 'hops', 'msg');
  return { t, sid: sid(f, 'msg'), data: bytes(f, 'data', 'msg'), ...(hops ? { hops } : {}) };
}

/**
 * Splits a byte stream into frames and unpacks each. push() throws ProtocolError on a frame over the bound
 * or one that is not msgpack: the caller closes the connection (its framing can no longer be trusted).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(
    private readonly onFrame: (frame: unknown) => void,
    /** Bytes of the largest frame accepted; may change between frames (a listener allows more once a peer is known). */
    public maxFrameBytes = MAX_FRAME_BYTES,
  ) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.buffered < 4) return;
      const head = this.chunks[0]!.length >= 4 ? this.chunks[0]! : this.flatten();
      const length = head.readUInt32BE(0);
      if (length > this.maxFrameBytes) throw new ProtocolError(`frame of ${length} bytes, over the ${this.maxFrameBytes}-byte bound`);
      if (this.buffered < 4 + length) return;
      // One copy at most per frame: chunks are joined only once the whole frame is here.
      const all = this.chunks.length === 1 ? this.chunks[0]! : this.flatten();
      const body = all.subarray(4, 4 + length);
      const rest = all.subarray(4 + length);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      let frame: unknown;
      try {
        frame = packr.unpack(body);
      } catch (cause) {
        throw new ProtocolError('frame is not valid msgpack', { cause });
      }
      this.onFrame(frame);
    }
  }

  private flatten(): Buffer {
    const all = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [all];
    return all;
  }
}
