// NATS access control through a real nats-server started with llm-atc's generated users and permissions
// (shared/nats/nats-auth.ts) and in-process services connected with their credentials: the services
// work, and each attack of issue 14 is refused by the server itself.
import assert from 'node:assert/strict';
import { Kvm } from '@nats-io/kv';
import { connect, errors, headers as natsHeaders, type NatsConnection, type Subscription } from '@nats-io/transport-node';

type PermissionViolationError = InstanceType<typeof errors.PermissionViolationError>;
import { IngressService } from '../../services/ingress/ingress-service.js';
import { SchedulerService } from '../../services/scheduler/scheduler-service.js';
import { WorkerRuntime } from '../../services/worker/index.js';
import type { NatsUser } from '../../shared/nats/index.js';
import { AtcHeader, clientApi, encodeMessage, eventSubjects, kvBuckets, workerSubjects } from '../../shared/protocol/index.js';
import { credentialsOf, useNatsServer } from '../support/nats-server.js';
import { until } from '../support/poll.js';
import { testLogger } from '../support/quiet-logger.js';
import { simEngine } from '../support/sim-engine.js';

const MODEL = 'test-model';
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const dec = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) as Record<string, unknown>;

/** The permission errors the server sent this connection, as they arrive. */
function permissionErrors(nc: NatsConnection): PermissionViolationError[] {
  const seen: PermissionViolationError[] = [];
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'error' && s.error instanceof errors.PermissionViolationError) seen.push(s.error);
    }
  })();
  return seen;
}

describe('NATS access control (generated users and permissions)', function () {
  this.timeout(30_000);
  const nats = useNatsServer({ auth: { workers: ['w1', 'w2'], clients: ['alice', 'bob'] } });
  let scheduler: SchedulerService;
  const workers: WorkerRuntime[] = [];
  let ingress: IngressService;
  let admin: NatsConnection;
  const opened: NatsConnection[] = [];
  const connectAs = async (u: NatsUser) => {
    const nc = await connect(nats.connectOptions(u));
    opened.push(nc);
    return nc;
  };

  before(async () => {
    const u = nats.users;
    scheduler = await SchedulerService.start({
      natsUrl: nats.url,
      natsCredentials: credentialsOf(u.scheduler),
      logger: testLogger('scheduler'),
      replicaId: 's1',
    });
    for (const id of ['w1', 'w2']) {
      workers.push(
        await WorkerRuntime.start({
          workerId: id,
          role: 'decode',
          natsUrl: nats.url,
          natsCredentials: credentialsOf(u.workers.get(id)!),
          logger: testLogger(id),
          loadReportMs: 50,
          engine: simEngine(id, MODEL),
        }),
      );
    }
    ingress = await IngressService.start({
      natsUrl: nats.url,
      natsCredentials: credentialsOf(u.ingress),
      logger: testLogger('ingress'),
      http: { port: 0, host: '127.0.0.1', maxBodyBytes: 1 << 20 },
      limits: { maxTokensLimit: 4096, defaultCompletionMaxTokens: 16, defaultChatMaxTokens: 64 },
    });
    admin = await connectAs(u.admin);
    await until(
      async () => {
        const r = await admin.request(clientApi.models, enc({}), { timeout: 2000 });
        return (dec(r.data)['data'] as unknown[]).length > 0;
      },
      'the ingress serving the model',
      10_000,
    );
  });

  after(async () => {
    for (const nc of opened) await nc.close();
    await ingress?.close();
    for (const w of workers) await w.close();
    await scheduler?.close();
  });

  /**
   * Publishes `subject` as `nc` (expected to be refused), then a marker the admin observer also sees:
   * messages from one connection arrive in order, so the marker arriving without the first proves it was
   * dropped. Resolves with the permission error the server sent.
   */
  async function assertPublishDenied(nc: NatsConnection, subject: string, marker: string): Promise<void> {
    const errs = permissionErrors(nc);
    // The services publish on some of these subjects themselves: the attack is told apart by its body.
    const attack = `attack-${Math.random()}`;
    const seen: string[] = [];
    const observer: Subscription = admin.subscribe('>', { callback: (_e, m) => void seen.push(`${m.subject} ${m.string()}`) });
    await admin.flush();
    nc.publish(subject, attack);
    nc.publish(marker, attack);
    await until(() => seen.includes(`${marker} ${attack}`), `marker ${marker}`, 10_000);
    observer.unsubscribe();
    assert.ok(!seen.includes(`${subject} ${attack}`), `${subject} was delivered`);
    await until(() => errs.some((e) => e.operation === 'publish' && e.subject === subject), `permission error for ${subject}`, 10_000);
  }

  async function assertSubscribeDenied(nc: NatsConnection, subject: string): Promise<void> {
    const sub = nc.subscribe(subject);
    const closed = await sub.closed;
    assert.ok(closed instanceof errors.PermissionViolationError, `subscribe ${subject}: ${String(closed)}`);
    assert.equal(closed.operation, 'subscription');
  }

  it('refuses anonymous connections and wrong passwords', async () => {
    await assert.rejects(connect({ servers: nats.url }), (e: Error) => /Authorization Violation/i.test(e.message));
    await assert.rejects(connect({ servers: nats.url, user: 'alice', pass: 'wrong' }), (e: Error) =>
      /Authorization Violation/i.test(e.message),
    );
  });

  it('serves a client over the NATS API with its own inbox, answers carrying Atc-Request-Id', async () => {
    const alice = await connectAs(nats.users.clients[0]!);
    const reply = await alice.request(clientApi.completions, enc({ model: MODEL, prompt: 'hello', max_tokens: 4 }), { timeout: 10_000 });
    assert.equal((dec(reply.data)['object'] as string) ?? '', 'text_completion');
    assert.ok(reply.headers?.get(AtcHeader.RequestId));
    const models = await alice.request(clientApi.models, enc({}), { timeout: 5_000 });
    assert.ok(models.headers?.get(AtcHeader.RequestId), 'models reply carries Atc-Request-Id');
  });

  it('a client cannot read every subject, prompts or another client inbox', async () => {
    const alice = await connectAs(nats.users.clients[0]!);
    await assertSubscribeDenied(alice, '>');
    await assertSubscribeDenied(alice, '_INBOX.>');
    await assertSubscribeDenied(alice, '_INBOX.bob.>');
    await assertSubscribeDenied(alice, '_INBOX.ingress.>');
    await assertSubscribeDenied(alice, workerSubjects.generate('w1'));
    await assertSubscribeDenied(alice, 'atc.sched.pick');
  });

  it('a client cannot register a worker, publish KV events or load, or cancel on worker subjects', async () => {
    const alice = await connectAs(nats.users.clients[0]!);
    await assertPublishDenied(alice, `$KV.${kvBuckets.workers}.fake`, 'atc.v1.marker.1');
    assert.equal(await (await new Kvm(admin).open(kvBuckets.workers)).get('fake'), null);
    await assertPublishDenied(alice, eventSubjects.load('w1'), 'atc.v1.marker.2');
    await assertPublishDenied(alice, eventSubjects.kv('w1'), 'atc.v1.marker.3');
    await assertPublishDenied(alice, eventSubjects.completed('w1'), 'atc.v1.marker.4');
    await assertPublishDenied(alice, workerSubjects.cancel('w1'), 'atc.v1.marker.5');
    await assertPublishDenied(alice, workerSubjects.generate('w1'), 'atc.v1.marker.6');
    await assertPublishDenied(alice, 'atc.sched.pick', 'atc.v1.marker.7');
    await assertPublishDenied(alice, '$JS.API.STREAM.DELETE.KV_atc_workers', 'atc.v1.marker.8');
  });

  it('a worker cannot pose as another worker id', async () => {
    const w1 = await connectAs(nats.users.workers.get('w1')!);
    await assertSubscribeDenied(w1, workerSubjects.generate('w2'));
    await assertSubscribeDenied(w1, '>');
    await assertSubscribeDenied(w1, '_INBOX.alice.>');
    // Allowed marker of w1's own: its load subject.
    await assertPublishDenied(w1, eventSubjects.load('w2'), eventSubjects.load('w1'));
    await assertPublishDenied(w1, eventSubjects.kv('w2'), eventSubjects.load('w1'));
    await assertPublishDenied(w1, `$KV.${kvBuckets.workers}.w2`, eventSubjects.load('w1'));
    await assertPublishDenied(w1, `$KV.${kvBuckets.workers}.fake`, eventSubjects.load('w1'));
    await assertPublishDenied(w1, '_INBOX.alice.x', eventSubjects.load('w1'));
  });

  it('refuses a second request under a running request id (409), and ends a stream that fails with its error then [DONE]', async () => {
    const alice = await connectAs(nats.users.clients[0]!);
    const inbox = `_INBOX.alice.stream-${Math.random().toString(36).slice(2)}`;
    const replies: Array<{ body: string; status?: string; stream?: string }> = [];
    alice.subscribe(inbox, {
      callback: (_e, m) =>
        void replies.push({
          body: m.string(),
          ...(m.headers?.get(AtcHeader.Status) ? { status: m.headers.get(AtcHeader.Status) } : {}),
          ...(m.headers?.get(AtcHeader.Stream) ? { stream: m.headers.get(AtcHeader.Stream) } : {}),
        }),
    });
    await alice.flush();
    const h = natsHeaders();
    h.set(AtcHeader.RequestId, 'dup-1');
    const long = { model: MODEL, prompt: 'tell me a long story', max_tokens: 4000, ignore_eos: true, stream: true };
    alice.publish(clientApi.completions, enc(long), { reply: inbox, headers: h });
    await until(() => replies.length > 0, 'the first chunk', 10_000);
    const dup = await alice.request(clientApi.completions, enc({ model: MODEL, prompt: 'x', max_tokens: 1 }), {
      timeout: 5_000,
      headers: h,
    });
    assert.equal(dup.headers?.get(AtcHeader.Status), '409');
    assert.equal((dec(dup.data)['error'] as { code: string }).code, 'duplicate_request_id');
    // Cancelled by its client mid-stream: the error, then the same terminal [DONE] as HTTP sends.
    alice.publish(clientApi.cancel, enc({ request_id: 'dup-1' }));
    await until(() => replies.some((r) => r.stream === 'done'), 'the end of the stream', 10_000);
    const [error, done] = replies.slice(-2);
    assert.equal(error!.status, '499');
    assert.equal((JSON.parse(error!.body) as { error: { code: string } }).error.code, 'cancelled');
    assert.deepEqual(done, { body: '[DONE]', stream: 'done' });
  });

  it('a direct generate with an absurd max_tokens is refused by the worker', async () => {
    // The ingress user may send generate requests; the worker checks limits itself.
    const ing = await connectAs(nats.users.ingress);
    const h = natsHeaders();
    const reply = await ing.request(
      workerSubjects.generate('w1'),
      encodeMessage({
        type: 'generate.request.v1',
        requestId: 'huge-1',
        model: MODEL,
        prompt: { text: 'hi' },
        sampling: { maxTokens: 1e9 },
        streamTo: '_INBOX.ingress.nowhere',
        deadlineMs: Date.now() + 10_000,
      }),
      { timeout: 5_000, headers: h },
    );
    const { decodeMessage } = await import('../../shared/protocol/index.js');
    const msg = decodeMessage(reply.data, 'generate.accepted.v1', 'error.v1');
    assert.equal(msg.type, 'error.v1');
    if (msg.type === 'error.v1') assert.match(msg.message, /maxTokens/);
  });
});
