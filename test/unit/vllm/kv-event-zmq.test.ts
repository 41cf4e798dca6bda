// KV events over real libzmq sockets (the optional `zeromq` package): vLLM's three-frame layout,
// topic-prefix filtering, bind and connect modes, resubscription after a publisher restart, and the
// loader's error where zeromq cannot load.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Subscriber, XPublisher } from 'zeromq';
import type { KvEventBatch } from '../../../shared/engine/types.js';
import {
  KvEventPublisher,
  KvEventSubscriber,
  decodeKvEventBatch,
  encodeKvEventBatch,
  encodeSequence,
  endpointBinds,
  loadZmq,
} from '../../../shared/engine/vllm/index.js';
import type { KvEventGap } from '../../../shared/engine/vllm/index.js';

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const batch = (ts: number): KvEventBatch => ({ ts, events: [{ type: 'AllBlocksCleared' }], dataParallelRank: null });

describe('KV events over ZMQ', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  const started = async (options: ConstructorParameters<typeof KvEventPublisher>[0]): Promise<KvEventPublisher> => {
    const publisher = new KvEventPublisher(options);
    cleanups.push(() => publisher.close());
    await publisher.start();
    return publisher;
  };
  const subscriber = (options: ConstructorParameters<typeof KvEventSubscriber>[0]): KvEventSubscriber => {
    const sub = new KvEventSubscriber(options);
    cleanups.push(() => sub.close());
    return sub;
  };

  it("sends vLLM's frames: topic, 8-byte big-endian sequence from 0, msgpack payload", async () => {
    const publisher = await started({ endpoint: 'tcp://127.0.0.1:0', topic: 'kv-events' });
    const zmq = await loadZmq();
    const raw: Subscriber = new zmq.Subscriber({ receiveTimeout: 5000 });
    cleanups.push(() => raw.close());
    raw.subscribe('kv');
    raw.connect(`tcp://127.0.0.1:${publisher.port!}`);
    await until(() => publisher.subscribedPrefixCount === 1, 'the subscription');
    publisher.publish(batch(1));
    publisher.publish(batch(2));
    for (const seq of [0n, 1n]) {
      const parts = await raw.receive();
      assert.equal(parts.length, 3);
      assert.equal(parts[0]!.toString('utf8'), 'kv-events');
      assert.deepEqual(parts[1], encodeSequence(seq));
      assert.equal(parts[1].readBigInt64BE(0), seq);
      assert.deepEqual(decodeKvEventBatch(parts[2]!), batch(Number(seq) + 1));
    }
  });

  it('delivers a message only to subscribers whose topic is a prefix of its first frame', async () => {
    const zmq = await loadZmq();
    const pub: XPublisher = new zmq.XPublisher();
    cleanups.push(() => pub.close());
    await pub.bind('tcp://127.0.0.1:0');
    const prefixes = new Set<string>();
    void (async () => {
      for await (const [message] of pub) if (message?.[0] === 1) prefixes.add(message.subarray(1).toString('utf8'));
    })();
    const got: Record<string, number[]> = { kv: [], other: [] };
    for (const topic of ['kv', 'other']) {
      void subscriber({ endpoint: pub.lastEndpoint!, topic, onBatch: (b) => got[topic]!.push(b.ts) }).start();
    }
    await until(() => prefixes.size === 2, 'both subscriptions');
    // Per peer, libzmq keeps order: had 'other' received the first message, it would arrive before the second.
    await pub.send([Buffer.from('kv-events'), encodeSequence(0n), encodeKvEventBatch(batch(1))]);
    await pub.send([Buffer.from('other-events'), encodeSequence(0n), encodeKvEventBatch(batch(2))]);
    await until(() => got.kv!.length === 1 && got.other!.length === 1, 'one message each');
    assert.deepEqual(got, { kv: [1], other: [2] });
  });

  it('connects instead of binding when the endpoint names a host (a bound SUB receives)', async () => {
    const zmq = await loadZmq();
    const raw: Subscriber = new zmq.Subscriber();
    cleanups.push(() => raw.close());
    raw.subscribe();
    await raw.bind('tcp://127.0.0.1:*');
    // libzmq works on a socket's peers only inside calls on it: the SUB must be receiving for its
    // subscription to reach the publisher that connects.
    const received: Buffer[][] = [];
    void (async () => {
      for await (const parts of raw) received.push(parts);
    })();
    const publisher = new KvEventPublisher({ endpoint: raw.lastEndpoint! });
    cleanups.push(() => publisher.close());
    assert.equal(await publisher.start(), undefined, 'no bound port when connecting');
    await until(() => publisher.subscribedPrefixCount === 1, 'the subscription over the connection');
    publisher.publish(batch(7));
    await until(() => received.length === 1, 'the message');
    assert.deepEqual(decodeKvEventBatch(received[0]![2]!), batch(7));
  });

  it('resubscribes after the publisher restarts on the same port, and reports the sequence reset', async () => {
    // '*' makes both bind, as vLLM's 'tcp://*:5557' does; a host name would make the publisher connect.
    const first = await started({ endpoint: 'tcp://*:0' });
    const port = first.port!;
    const got: number[] = [];
    const gaps: KvEventGap[] = [];
    await subscriber({ endpoint: `tcp://127.0.0.1:${port}`, onBatch: (b) => got.push(b.ts), onGap: (g) => gaps.push(g) }).start();
    await until(() => first.subscribedPrefixCount === 1, 'the first subscription');
    for (const ts of [1, 2, 3]) first.publish(batch(ts));
    await until(() => got.length === 3, 'three batches');
    first.close();
    first.close(); // idempotent

    // libzmq releases the port in its I/O thread: retry the bind until it is free again.
    let second: KvEventPublisher | undefined;
    const deadline = Date.now() + 5000;
    while (!second) {
      try {
        second = await started({ endpoint: `tcp://*:${port}` });
      } catch (error) {
        if (Date.now() > deadline || (error as { code?: string }).code !== 'EADDRINUSE') throw error;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const restarted = second;
    await until(() => restarted.subscribedPrefixCount === 1, 'the resubscription');
    restarted.publish(batch(4));
    await until(() => got.length === 4, 'the batch after the restart');
    assert.deepEqual(got, [1, 2, 3, 4]);
    assert.deepEqual(gaps, [{ expected: 3n, received: 0n, kind: 'reset' }]);
  });

  it('close() before start() leaves nothing open, and publish() after close() is dropped', async () => {
    const sub = new KvEventSubscriber({ endpoint: 'tcp://127.0.0.1:1', onBatch: () => undefined });
    sub.close();
    await sub.start();
    sub.close();
    const publisher = new KvEventPublisher({ endpoint: 'tcp://127.0.0.1:0' });
    publisher.close();
    assert.equal(await publisher.start(), undefined);
    publisher.publish(batch(1));
  });

  const binds: Array<[string, boolean]> = [
    ['tcp://*:5557', true],
    ['tcp://[::]:5557', true],
    ['tcp://10.0.0.5:5557', false],
    ['tcp://vllm-0.vllm:5557', false],
  ];
  for (const [endpoint, expected] of binds) {
    it(`${expected ? 'binds' : 'connects'} for ${endpoint}, as vLLM decides`, () => assert.equal(endpointBinds(endpoint), expected));
  }
});

describe('zeromq is loaded only where ZMQ is used', () => {
  // dist/test/unit/vllm/ -> dist/
  const dist = fileURLToPath(new URL('../../../', import.meta.url));
  // A child process in which the package 'zeromq' cannot be resolved, as where its install failed.
  const script = `
    import { register } from 'node:module';
    const hook = "export async function resolve(s, c, next) { if (s === 'zeromq') throw Object.assign(new Error(\\"Cannot find package 'zeromq'\\"), { code: 'ERR_MODULE_NOT_FOUND' }); return next(s, c); }";
    register('data:text/javascript,' + encodeURIComponent(hook));
    const at = (path) => import(new URL(path, 'file://${dist}'));
    await at('services/scheduler/scheduler-service.js');
    await at('services/ingress/ingress-service.js');
    await at('services/worker/index.js');
    await at('services/vllm-sim/index.js');
    const { createEngine } = await at('shared/engine/factory.js');
    const engine = createEngine({ kind: 'sim', model: 'm', profile: 'llama-3-8b-h100', vllmUrl: '', vllmKvEventsEndpoint: '', seed: 0, engineId: 'e' });
    await engine.close();
    const { KvEventSubscriber } = await at('shared/engine/vllm/index.js');
    const error = await new KvEventSubscriber({ endpoint: 'tcp://127.0.0.1:1', onBatch: () => {} }).start().then(() => undefined, (e) => e);
    process.stdout.write(JSON.stringify({ name: error?.name, message: error?.message }));
  `;

  it('the services and a SimEngine load without it; a KV-event socket fails with a clear error', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20000 }, (error, out, err) => {
        if (error) reject(new Error(`child failed: ${err || error.message}`));
        else resolve(out);
      });
    });
    const result = JSON.parse(stdout) as { name?: string; message?: string };
    assert.equal(result.name, 'ZmqUnavailableError');
    assert.match(result.message ?? '', /optional package 'zeromq'/);
    assert.match(result.message ?? '', /npm install zeromq@6\.8\.0/);
  });
});
