// Generate requests over a worker's direct connection (`--direct-listen`), through a real nats-server
// with NATS users and permissions and in-process services: the ingress gets the token over NATS, sends
// requests and reads streams on the socket (NATS then carries no generate request), a connection without
// the token or with a bad frame is closed while the worker keeps serving, and a worker that goes away
// mid-request has its request retried on another worker.
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { connect, createInbox, type NatsConnection } from '@nats-io/transport-node';
import { IngressService } from '../../services/ingress/ingress-service.js';
import { SchedulerService } from '../../services/scheduler/scheduler-service.js';
import { WorkerRuntime } from '../../services/worker/index.js';
import { clientApi, workerSubjects } from '../../shared/protocol/index.js';
import { encodeFrame, splitHostPort } from '../../shared/protocol/direct-frames.js';
import { inboxPrefixOf } from '../../shared/nats/index.js';
import { DirectLinks } from '../../services/ingress/direct-links.js';
import { credentialsOf, useNatsServer } from '../support/nats-server.js';
import { testLogger } from '../support/quiet-logger.js';
import { until } from '../support/poll.js';
import { simEngine } from '../support/sim-engine.js';

const MODEL = 'test-model';
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const dec = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));

/** Resolves when the socket closes (the worker dropped it). */
const closed = (socket: Socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()));

describe('direct connections between the ingress and workers (real NATS with users)', function () {
  this.timeout(60_000);
  const nats = useNatsServer({ auth: { workers: ['d1', 'd2'] } });
  const workers = new Map<string, WorkerRuntime>();
  let scheduler: SchedulerService;
  let ingress: IngressService;
  let client: NatsConnection;
  let admin: NatsConnection;

  const startWorker = (id: string) =>
    WorkerRuntime.start({
      workerId: id,
      role: 'decode',
      natsUrl: nats.url,
      natsCredentials: credentialsOf(nats.users.workers.get(id)!),
      logger: testLogger(id),
      loadReportMs: 50,
      direct: { listen: '127.0.0.1:0' },
      engine: simEngine(id, MODEL),
    });

  const complete = async (body: Record<string, unknown>) => {
    const reply = await client.request(clientApi.completions, enc({ model: MODEL, ...body }), { timeout: 30_000 });
    return dec(reply.data);
  };

  before(async () => {
    const u = nats.users;
    scheduler = await SchedulerService.start({
      natsUrl: nats.url,
      natsCredentials: credentialsOf(u.scheduler),
      logger: testLogger('scheduler'),
      replicaId: 's1',
    });
    for (const id of ['d1', 'd2']) workers.set(id, await startWorker(id));
    ingress = await IngressService.start({
      natsUrl: nats.url,
      natsCredentials: credentialsOf(u.ingress),
      logger: testLogger('ingress'),
      http: { port: 0, host: '127.0.0.1', maxBodyBytes: 1 << 20 },
      limits: { maxTokensLimit: 100_000, defaultCompletionMaxTokens: 16, defaultChatMaxTokens: 64 },
    });
    client = await connect(nats.connectOptions(u.clients[0]!));
    admin = await connect(nats.connectOptions(u.admin));
    await until(
      async () => (await complete({ prompt: 'warm', max_tokens: 1 })).usage?.completion_tokens === 1,
      'the ingress to serve',
      20_000,
    );
  });

  after(async () => {
    await client?.close();
    await admin?.close();
    await ingress?.close();
    await Promise.all([...workers.values()].map((w) => w.close()));
    await scheduler?.close();
  });

  it('registers the address, grants the token only to the ingress, and carries every request once connected', async () => {
    const d1 = workers.get('d1')!;
    assert.match(d1.direct?.address ?? '', /^127\.0\.0\.1:\d+$/);
    // A NATS client may not ask for the token (only the ingress's user may publish there).
    await assert.rejects(client.request(workerSubjects.direct('d1'), new Uint8Array(0), { timeout: 2_000 }));
    // Requests until the ingress has a connection to both workers (each opens on a first pick of it).
    await until(
      async () => {
        await complete({ prompt: `open ${Math.random()}`, max_tokens: 1 });
        return ingress.directLinks?.connected === 2;
      },
      'direct connections to both workers',
      20_000,
    );
    // From now on NATS sees no generate request: the admin user watches every worker's subject.
    const seen: string[] = [];
    const sub = admin.subscribe('atc.worker.*.generate', { callback: (_e, m) => void seen.push(m.subject) });
    await admin.flush();
    const bodies = await Promise.all(Array.from({ length: 6 }, (_, i) => complete({ prompt: `request ${i}`, max_tokens: 3 })));
    for (const b of bodies) assert.equal(b.usage.completion_tokens, 3, JSON.stringify(b));
    // A chat completion too (its template, its token ids on the generate request).
    const chat = dec(
      (
        await client.request(clientApi.chatCompletions, enc({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }), {
          timeout: 30_000,
        })
      ).data,
    );
    assert.equal(chat.usage.completion_tokens, 4);
    await admin.flush();
    sub.unsubscribe();
    assert.deepEqual(seen, []);
  });

  it('opens one connection per worker however many requests ask at once', async () => {
    // A second ingress's links, asked 20 times in one turn for d1, as a burst of picks would.
    const links = new DirectLinks(admin, testLogger('links'));
    const d1 = workers.get('d1')!.direct!;
    const before = d1.connections;
    try {
      for (let i = 0; i < 20; i++) assert.equal(links.open('d1', d1.address), undefined, 'NATS until the connection is up');
      await until(() => links.connected === 1, 'the connection to come up');
      assert.equal(d1.connections, before + 1);
      const s = links.open('d1', d1.address);
      assert.ok(s, 'a stream once up');
      assert.equal(links.openStreams, 1);
      s.inbox.close();
      assert.equal(links.openStreams, 0);
    } finally {
      links.close();
    }
    await until(() => d1.connections === before, 'its connection to close with it');
  });

  it('carries more than ten requests at once on a connection, and stops the one its client cancels', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const bodies = await Promise.all(
        Array.from({ length: 24 }, (_, i) => complete({ prompt: `burst ${i}`, max_tokens: 20, ignore_eos: true })),
      );
      for (const b of bodies) assert.equal(b.usage.completion_tokens, 20);
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings.filter((w) => /MaxListeners|memory leak/.test(String(w))).map(String), []);
    // A streamed request cancelled over the NATS API: the cancel reaches the engine on the same connection.
    const inbox = createInbox(inboxPrefixOf(nats.users.clients[0]!.user));
    const sub = client.subscribe(inbox);
    client.publish(clientApi.completions, enc({ model: MODEL, prompt: 'long', max_tokens: 5000, ignore_eos: true, stream: true }), {
      reply: inbox,
    });
    for await (const m of sub) {
      client.publish(clientApi.cancel, enc({ request_id: m.headers?.get('Atc-Request-Id') }));
      break;
    }
    await until(() => [...workers.values()].every((w) => w.generate.activeRequests === 0), 'the engine work to stop after the cancel');
  });

  it('closes a connection without the token, or with a bad frame, and keeps serving', async () => {
    const { host, port } = splitHostPort(workers.get('d2')!.direct!.address);
    const wrong = netConnect({ host, port });
    wrong.once('connect', () => wrong.write(encodeFrame({ t: 'hello', token: 'not-the-token' })));
    await closed(wrong);
    const garbage = netConnect({ host, port });
    garbage.once('connect', () => garbage.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3])));
    await closed(garbage);
    // Before the token, a frame may not be large (a stranger gets no buffer to fill): 2 KiB is refused.
    const large = netConnect({ host, port });
    large.once('connect', () => large.write(Buffer.from([0, 0, 8, 0])));
    await closed(large);
    const silentBeforeGen = netConnect({ host, port });
    silentBeforeGen.once('connect', () => silentBeforeGen.write(encodeFrame({ t: 'gen', sid: 1, data: new Uint8Array([1]) })));
    await closed(silentBeforeGen);
    const body = await complete({ prompt: 'still here', max_tokens: 2 });
    assert.equal(body.usage.completion_tokens, 2);
  });

  it('retries a request on another worker when its worker goes away before answering', async () => {
    await until(() => ingress.directLinks?.connected === 2, 'both connections up');
    // A non-streaming request yields nothing until it finishes, so losing its worker is retryable.
    const pending = complete({ prompt: 'a long one', max_tokens: 400, ignore_eos: true });
    let busy: string | undefined;
    await until(() => {
      busy = [...workers].find(([, w]) => w.generate.activeRequests > 0)?.[0];
      return busy !== undefined;
    }, 'a worker to take the request');
    await workers.get(busy!)!.close();
    workers.delete(busy!);
    const body = await pending;
    assert.equal(body.usage?.completion_tokens, 400, JSON.stringify(body));
    assert.equal(workers.size, 1);
  });

  it('goes on over NATS when a direct connection cannot be had', async () => {
    const [, last] = [...workers][0]!;
    // The listener stops (its connection drops); the worker's NATS subjects stay.
    await last.direct!.close();
    await until(() => ingress.directLinks?.connected === 0, 'the ingress to see the connection drop');
    const bodies = await Promise.all(Array.from({ length: 4 }, (_, i) => complete({ prompt: `fallback ${i}`, max_tokens: 2 })));
    for (const b of bodies) assert.equal(b.usage?.completion_tokens, 2, JSON.stringify(b));
  });
});
