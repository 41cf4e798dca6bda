import assert from 'node:assert/strict';
import {
  FrameReader,
  decodeIngressFrame,
  decodeWorkerFrame,
  encodeFrame,
  splitHostPort,
  type IngressFrame,
  type WorkerFrame,
} from '../../../shared/protocol/direct-frames.js';

describe('direct-connection frames', () => {
  const frames: Array<IngressFrame | WorkerFrame> = [
    { t: 'hello', token: 'abc' },
    { t: 'gen', sid: 7, data: new Uint8Array([1, 2, 3]), trace: { traceparent: '00-1-2-01' } },
    { t: 'ready' },
    { t: 'msg', sid: 0, data: new Uint8Array(70_000).fill(9), hops: { 'atc-hops': '{"a":1}' } },
  ];
  const bytes = Buffer.concat(frames.map(encodeFrame));
  const decodeAny = (raw: unknown) => {
    const t = (raw as { t: string }).t;
    return t === 'hello' || t === 'gen' ? decodeIngressFrame(raw) : decodeWorkerFrame(raw);
  };
  const normalise = (f: unknown): unknown =>
    f instanceof Uint8Array
      ? Array.from(f)
      : typeof f === 'object' && f !== null
        ? Object.fromEntries(Object.entries(f).map(([k, v]) => [k, normalise(v)]))
        : f;

  // Rows: how the byte stream is cut into chunks (as TCP may deliver it).
  const cuts: Array<[string, number[]]> = [
    ['all at once', [bytes.length]],
    ['one byte at a time for the first 40', [...Array<number>(40).fill(1), bytes.length - 40]],
    ['a length prefix split in two', [2, 3, bytes.length - 5]],
    ['4 KiB chunks', Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) => Math.min(4096, bytes.length - i * 4096))],
  ];
  for (const [name, sizes] of cuts) {
    it(`reads every frame back whole: ${name}`, () => {
      const got: unknown[] = [];
      const reader = new FrameReader((raw) => got.push(decodeAny(raw)));
      let at = 0;
      for (const n of sizes) {
        reader.push(bytes.subarray(at, at + n));
        at += n;
      }
      assert.equal(at, bytes.length);
      assert.deepEqual(got.map(normalise), frames.map(normalise));
    });
  }

  it('refuses a frame over its bound before buffering it, and bytes that are not msgpack', () => {
    const reader = new FrameReader(() => undefined, 1024);
    assert.throws(() => reader.push(Buffer.from([0, 0, 4, 1])), /frame of 1025 bytes, over the 1024-byte bound/);
    const bad = Buffer.from([0, 0, 0, 2, 0x85, 0xa1]); // a map of five entries cut off in its first key
    assert.throws(() => new FrameReader(() => undefined).push(bad), /not valid msgpack/);
  });

  // Rows: a decoded frame that must be refused, and the field its error names.
  const badFrames: Array<[string, unknown, (raw: unknown) => unknown, RegExp]> = [
    ['unknown type to a worker', { t: 'msg', sid: 1, data: new Uint8Array() }, decodeIngressFrame, /frame.t must be hello, gen or cancel/],
    ['gen without data', { t: 'gen', sid: 1 }, decodeIngressFrame, /gen.data must be bytes/],
    ['negative stream id', { t: 'gen', sid: -1, data: new Uint8Array() }, decodeIngressFrame, /gen.sid must be >= 0/],
    ['hello without token', { t: 'hello' }, decodeIngressFrame, /hello.token must be a string/],
    [
      'trace values not strings',
      { t: 'gen', sid: 1, data: new Uint8Array(), trace: { a: 1 } },
      decodeIngressFrame,
      /gen.trace.a must be a string/,
    ],
    ['hello to an ingress', { t: 'hello', token: 'x' }, decodeWorkerFrame, /frame.t must be ready or msg/],
    ['not a map', [1, 2], decodeWorkerFrame, /frame must be an object/],
  ];
  for (const [name, raw, decode, error] of badFrames) {
    it(`refuses ${name}`, () => assert.throws(() => decode(raw), error));
  }

  // Rows: an address and its parts (or the error).
  const addresses: Array<[string, { host: string; port: number } | RegExp]> = [
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['worker-3.atc.svc:7400', { host: 'worker-3.atc.svc', port: 7400 }],
    ['[::1]:9000', { host: '::1', port: 9000 }],
    ['localhost', /expected host:port/],
    ['host:70000', /expected host:port/],
    ['a b:1', /expected host:port/],
  ];
  for (const [address, want] of addresses) {
    it(`splits ${address}`, () => {
      if (want instanceof RegExp) assert.throws(() => splitHostPort(address), want);
      else assert.deepEqual(splitHostPort(address), want);
    });
  }
});
