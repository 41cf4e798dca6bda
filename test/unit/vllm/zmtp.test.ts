import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { FrameDecoder, ZmtpProtocolError, ZmtpPubSocket, ZmtpSubSocket, encodeFrame, encodeGreeting, parseGreeting, parseTcpEndpoint } from '../../../shared/engine/vllm/zmtp/index.js';

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('zmtp wire', () => {
  it('decodes short and long frames across arbitrary chunk boundaries', () => {
    // 300 bytes needs the LONG form (size > 255): flags|0x02 then an 8-byte size.
    const long = Buffer.alloc(300, 7);
    const bytes = Buffer.concat([encodeFrame(Buffer.from('ab'), 1), encodeFrame(long, 0)]);
    assert.equal(bytes[4], 0x02, 'second frame uses the long header');
    for (let split = 0; split <= bytes.length; split += 37) {
      const decoder = new FrameDecoder();
      const frames = [...decoder.push(bytes.subarray(0, split)), ...decoder.push(bytes.subarray(split))];
      assert.deepEqual(frames.map((f) => [f.flags, f.body.length]), [[1, 2], [2, 300]], `split at ${split}`);
    }
  });

  const badFrames: Array<{ name: string; bytes: Buffer }> = [
    { name: 'reserved flag bits', bytes: Buffer.from([0x08, 0]) },
    { name: 'a long frame claiming 2^40 bytes', bytes: Buffer.from([0x02, 0, 0, 1, 0, 0, 0, 0, 0]) },
  ];
  for (const row of badFrames) {
    it(`rejects ${row.name}`, () => assert.throws(() => new FrameDecoder().push(row.bytes), ZmtpProtocolError));
  }

  it('accepts its own greeting and refuses other mechanisms or versions', () => {
    assert.deepEqual(parseGreeting(encodeGreeting()), { major: 3, minor: 0, mechanism: 'NULL' });
    const curve = encodeGreeting();
    curve.write('CURVE', 12, 'ascii');
    assert.throws(() => parseGreeting(curve), /mechanism 'CURVE'/);
    const v2 = encodeGreeting();
    v2[10] = 2;
    assert.throws(() => parseGreeting(v2), /version 2/);
  });

  const endpoints: Array<{ endpoint: string; host: string | undefined; port: number }> = [
    { endpoint: 'tcp://*:5557', host: undefined, port: 5557 },
    { endpoint: 'tcp://10.0.0.5:5557', host: '10.0.0.5', port: 5557 },
    { endpoint: 'tcp://[::1]:5557', host: '::1', port: 5557 },
    { endpoint: 'tcp://vllm-0.vllm:0', host: 'vllm-0.vllm', port: 0 },
  ];
  for (const row of endpoints) {
    it(`parses ${row.endpoint}`, () => assert.deepEqual(parseTcpEndpoint(row.endpoint), { host: row.host, port: row.port }));
  }
  for (const bad of ['ipc:///tmp/x', 'tcp://host', 'tcp://host:99999']) {
    it(`refuses ${bad}`, () => assert.throws(() => parseTcpEndpoint(bad), TypeError));
  }
});

describe('zmtp PUB/SUB over TCP', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('delivers multipart messages to subscribers whose prefix matches the first frame', async () => {
    const pub = new ZmtpPubSocket();
    cleanups.push(() => pub.close());
    const port = await pub.bind('tcp://127.0.0.1:0');
    const got: string[][] = [];
    const sub = new ZmtpSubSocket({ topics: ['kv'], onMessage: (parts) => got.push(parts.map(String)) });
    cleanups.push(() => sub.close());
    sub.connect(`tcp://127.0.0.1:${port}`);
    await until(() => pub.subscriptionCount === 1, 'the subscription');
    pub.send([Buffer.from('other'), Buffer.from('dropped')]);
    pub.send([Buffer.from('kv-events'), Buffer.from('seq'), Buffer.alloc(1000, 'a')]);
    await until(() => got.length === 1, 'the message');
    assert.deepEqual(got[0]!.slice(0, 2), ['kv-events', 'seq']);
    assert.equal(got[0]![2]!.length, 1000);
  });

  it('accepts a ZMTP 3.1 SUBSCRIBE command and drops a peer that is not a SUB', async () => {
    const errors: Error[] = [];
    const pub = new ZmtpPubSocket({ onPeerError: (e) => errors.push(e) });
    cleanups.push(() => pub.close());
    const port = await pub.bind('tcp://127.0.0.1:0');
    const ready = (type: string): Buffer => {
      const name = Buffer.from('Socket-Type');
      const value = Buffer.from(type);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(value.length);
      return encodeFrame(Buffer.concat([Buffer.from([5]), Buffer.from('READY'), Buffer.from([name.length]), name, len, value]), 0x04);
    };
    const raw = (type: string): Socket => {
      const socket = connect(port, '127.0.0.1');
      cleanups.push(() => socket.destroy());
      socket.write(Buffer.concat([encodeGreeting(), ready(type)]));
      return socket;
    };
    const sub = raw('SUB');
    const received: Buffer[] = [];
    sub.on('data', (chunk: Buffer) => received.push(chunk));
    // SUBSCRIBE command (ZMTP 3.1) with an empty prefix: everything.
    sub.write(encodeFrame(Buffer.concat([Buffer.from([9]), Buffer.from('SUBSCRIBE')]), 0x04));
    await until(() => pub.subscriptionCount === 1, 'the 3.1 subscription');
    pub.send([Buffer.from('t'), Buffer.from('payload')]);
    await until(() => Buffer.concat(received).includes('payload'), 'the message on the raw socket');
    raw('REQ');
    await until(() => errors.length === 1, 'the REQ peer to be refused');
    assert.match(errors[0]!.message, /does not accept a REQ peer/);
    assert.equal(pub.peerCount, 1);
  });

  it('resubscribes after the publisher restarts on the same port', async () => {
    const pub1 = new ZmtpPubSocket();
    const port = await pub1.bind('tcp://127.0.0.1:0');
    const got: string[] = [];
    const sub = new ZmtpSubSocket({ topics: [''], onMessage: (parts) => got.push(String(parts[0])), reconnectMs: 10 });
    cleanups.push(() => sub.close());
    sub.connect(`tcp://127.0.0.1:${port}`);
    await until(() => pub1.subscriptionCount === 1, 'first subscription');
    pub1.close();
    const pub2 = new ZmtpPubSocket();
    cleanups.push(() => pub2.close());
    await pub2.bind(`tcp://127.0.0.1:${port}`);
    await until(() => pub2.subscriptionCount === 1, 'the resubscription');
    pub2.send([Buffer.from('after-restart')]);
    await until(() => got.length === 1, 'the message after restart');
    assert.deepEqual(got, ['after-restart']);
  });
});
