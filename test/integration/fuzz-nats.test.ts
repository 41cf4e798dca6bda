// Property-based fuzzing of every NATS subject the services listen on (fast-check): random bytes, random
// msgpack and JSON, and nearly valid wire messages with mutated fields, with random headers. A request
// subject must answer with a well-formed reply or error within its limit (never hang); a publish-only
// subject must not take its service down; afterwards the fleet still serves normal requests over NATS
// and HTTP. In-process services over a real nats-server: an uncaught exception would fail the suite.
import assert from 'node:assert/strict';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import {
  AtcHeader,
  clientApi,
  decodeMessage,
  eventSubjects,
  kvBuckets,
  schedulerPick,
  schedulerReplicaPick,
  workerSubjects,
  type WireType,
} from '../../shared/protocol/index.js';
import { listKeys } from '../../shared/nats/index.js';
import { FLEET_MODEL, useInProcessFleet } from '../support/in-process-fleet.js';
import { useNatsServer } from '../support/nats-server.js';

/** Messages sent (issue 14: at least 10,000 in CI). ATC_FUZZ_RUNS overrides. */
const RUNS = Number(process.env['ATC_FUZZ_RUNS'] ?? 10_000);
/** ms a request subject may take to answer before the case counts as hung. */
const REPLY_LIMIT_MS = 10_000;

const packr = new Packr({ useRecords: false, moreTypes: false });
const DECODE = 'fuzz-d1';
const PREFILL = 'fuzz-p1';

const anyField = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 40 }),
  fc.double(),
  fc.constantFrom(0, -1, 1e9, 2 ** 53),
  fc.string({ maxLength: 20 }),
  fc.uint8Array({ maxLength: 16 }),
  fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }),
);

/** Each field of a valid message kept (mostly) or replaced by anything. */
function mutated(base: () => Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(base());
  return fc.tuple(fc.array(fc.tuple(fc.constantFrom(...keys), anyField), { maxLength: 3 }), fc.boolean()).map(([replacements, extra]) => {
    const o: Record<string, unknown> = base();
    for (const [k, v] of replacements) o[k] = v;
    if (extra) o['unexpected'] = 1;
    return o;
  });
}

const prompt = () => ({ tokenIds: [1, 2, 3, 4] });
/** Valid messages of each wire type the services receive, short to run (small maxTokens, near deadline). */
const BASES: Record<string, () => Record<string, unknown>> = {
  pick: () => ({
    type: 'pick.request.v1',
    requestId: `fz-${Math.random()}`,
    model: FLEET_MODEL,
    prompt: prompt(),
    maxTokens: 2,
    headers: {},
    excludeWorkers: [],
    deadlineMs: Date.now() + 2_000,
  }),
  generate: () => ({
    type: 'generate.request.v1',
    requestId: `fz-${Math.random()}`,
    model: FLEET_MODEL,
    prompt: prompt(),
    sampling: { maxTokens: 2 },
    streamTo: `_INBOX.fuzz.${Math.floor(Math.random() * 1e9)}`,
    deadlineMs: Date.now() + 2_000,
  }),
  prefill: () => ({
    type: 'prefill.request.v1',
    requestId: `fz-${Math.random()}`,
    model: FLEET_MODEL,
    prompt: prompt(),
    deadlineMs: Date.now() + 2_000,
  }),
  cancel: () => ({ type: 'cancel.v1', requestId: 'fz-unknown' }),
  release: () => ({ type: 'kv.release.v1', requestId: 'fz-unknown' }),
  load: () => ({
    type: 'load.report.v1',
    workerId: DECODE,
    role: 'decode',
    seq: 1,
    reportedAtMs: Date.now(),
    load: {
      runningRequests: 0,
      waitingRequests: 0,
      kvCacheUsage: 0,
      numGpuBlocks: 100,
      blockSize: 16,
      prefixCacheQueries: 0,
      prefixCacheHits: 0,
    },
    activeRequests: 0,
  }),
  done: () => ({
    type: 'request.completed.v1',
    workerId: DECODE,
    requestId: 'fz-unknown',
    finishReason: 'stop',
    promptTokens: 1,
    cachedPromptTokens: 0,
    completionTokens: 1,
    ttftMs: 1,
    e2eMs: 2,
    runningAtArrival: 0,
    waitingAtArrival: 0,
  }),
  registration: () => ({
    type: 'worker.registration.v1',
    workerId: 'fz-worker',
    role: 'decode',
    models: [FLEET_MODEL],
    engineKind: 'sim',
    startedAtMs: Date.now(),
    heartbeatAtMs: Date.now(),
  }),
  openai: () => ({ model: FLEET_MODEL, prompt: 'fuzz', max_tokens: 2 }),
};

const enc = new TextEncoder();
/** Any payload: raw bytes, msgpack or JSON of anything, or a mutated valid message (as msgpack, or JSON for the client API). */
const payload = (base: string, json: boolean) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    {
      weight: 1,
      arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => (json ? enc.encode(JSON.stringify(v)) : (packr.pack(v) as Uint8Array))),
    },
    { weight: 4, arbitrary: mutated(BASES[base]!).map((v) => (json ? enc.encode(JSON.stringify(v)) : (packr.pack(v) as Uint8Array))) },
  );

const headerPairs = fc.array(
  fc.tuple(
    fc.constantFrom(AtcHeader.KvSeq, AtcHeader.RequestId, 'traceparent', 'x-session-id', 'Nats-Msg-Id', 'X-Fuzz'),
    fc.stringMatching(/^[\x21-\x7e]{1,30}$/),
  ),
  { maxLength: 3 },
);

/** What a request subject must answer with. */
type ReplyCheck = (data: Uint8Array, headers: MsgHdrs | undefined) => void;
const wireReply =
  (...types: WireType[]): ReplyCheck =>
  (data) =>
    void decodeMessage(data, ...types);
const openAiReply: ReplyCheck = (data, headers) => {
  const text = new TextDecoder().decode(data);
  if (text === '[DONE]') return;
  const body = JSON.parse(text) as Record<string, unknown>;
  if (headers?.get(AtcHeader.Status)) {
    const error = body['error'] as Record<string, unknown>;
    assert.equal(typeof error['message'], 'string');
    assert.equal(typeof error['type'], 'string');
    assert.notEqual(headers.get(AtcHeader.Status), '500', `no internal errors: ${text}`);
  } else assert.ok(typeof body['object'] === 'string', `an OpenAI object: ${text}`);
};

interface Target {
  readonly subject: fc.Arbitrary<string>;
  readonly base: string;
  readonly json?: boolean;
  /** Request subjects: the check of the reply. Publish-only subjects: undefined. */
  readonly reply?: ReplyCheck;
  /** A registry/handoff KV key instead of a plain subject. */
  readonly kvBucket?: string;
}

const randomId = fc.stringMatching(/^fz-[A-Za-z0-9_-]{1,10}$/);
const TARGETS: Target[] = [
  { subject: fc.constant(clientApi.completions), base: 'openai', json: true, reply: openAiReply },
  { subject: fc.constant(clientApi.chatCompletions), base: 'openai', json: true, reply: openAiReply },
  { subject: fc.constant(clientApi.models), base: 'openai', json: true, reply: openAiReply },
  { subject: fc.constant(clientApi.cancel), base: 'openai', json: true },
  { subject: fc.constantFrom(schedulerPick, schedulerReplicaPick('fuzz-s1')), base: 'pick', reply: wireReply('pick.reply.v1', 'error.v1') },
  { subject: fc.constant(workerSubjects.generate(DECODE)), base: 'generate', reply: wireReply('generate.accepted.v1', 'error.v1') },
  { subject: fc.constant(workerSubjects.prefill(PREFILL)), base: 'prefill', reply: wireReply('prefill.reply.v1', 'error.v1') },
  { subject: fc.constantFrom(workerSubjects.ping(DECODE), workerSubjects.ping(PREFILL)), base: 'cancel', reply: () => undefined },
  { subject: fc.constant(workerSubjects.cancel(DECODE)), base: 'cancel' },
  { subject: fc.constant(workerSubjects.release(PREFILL)), base: 'release' },
  {
    subject: fc.oneof(
      fc.constant(eventSubjects.load(DECODE)),
      randomId.map((id) => eventSubjects.load(id)),
    ),
    base: 'load',
  },
  {
    subject: fc.oneof(
      fc.constant(eventSubjects.kv(DECODE)),
      randomId.map((id) => eventSubjects.kv(id)),
    ),
    base: 'load',
  },
  {
    subject: fc.oneof(
      fc.constant(eventSubjects.completed(DECODE)),
      randomId.map((id) => eventSubjects.completed(id)),
    ),
    base: 'done',
  },
  { subject: randomId, base: 'registration', kvBucket: kvBuckets.workers },
  { subject: randomId.map((id) => `h.${id}`), base: 'generate', kvBucket: kvBuckets.kvHandoff },
];

const natsCase = fc.nat({ max: TARGETS.length - 1 }).chain((i) =>
  fc.record({
    target: fc.constant(TARGETS[i]!),
    subject: TARGETS[i]!.subject,
    data: payload(TARGETS[i]!.base, TARGETS[i]!.json ?? false),
    headers: headerPairs,
  }),
);

describe('fuzzing every NATS subject the services listen on (fast-check, in-process services)', function () {
  this.timeout(180_000);
  const nats = useNatsServer();
  describe('with a scheduler, a decode and a prefill worker and an ingress', function () {
    const env = useInProcessFleet(nats);

    it(`answers or drops ${RUNS} random messages without a crash or a hang, then serves normally`, async () => {
      const nc = env.fleet.client;
      const kvm = new Kvm(nc);
      const buckets: Record<string, KV> = {
        [kvBuckets.workers]: await kvm.open(kvBuckets.workers),
        [kvBuckets.kvHandoff]: await kvm.open(kvBuckets.kvHandoff),
      };
      const sent: Record<string, number> = {};
      let published = 0;
      await fc.assert(
        fc.asyncProperty(natsCase, async ({ target, subject, data, headers }) => {
          const h = natsHeaders();
          for (const [k, v] of headers) h.append(k, v);
          const key = target.kvBucket ?? subject.replace(/\.fz-.*$/, '.<random>');
          sent[key] = (sent[key] ?? 0) + 1;
          if (target.kvBucket) {
            await buckets[target.kvBucket]!.put(subject, data);
            return;
          }
          if (!target.reply) {
            nc.publish(subject, data, { headers: h });
            if (++published % 200 === 0) await nc.flush();
            return;
          }
          const reply = await nc.request(subject, data, { timeout: REPLY_LIMIT_MS, headers: h });
          target.reply(reply.data, reply.headers);
        }),
        { numRuns: RUNS, seed: Number(process.env['ATC_FUZZ_SEED'] ?? 14) },
      );
      await nc.flush();
      process.stdout.write(`      [fuzz-nats] ${RUNS} messages: ${JSON.stringify(sent)}\n`);

      // The fuzz's registry and handoff keys go; the real fleet stays and serves.
      for (const bucket of [kvBuckets.workers, kvBuckets.kvHandoff])
        for (const k of await listKeys(nc, bucket)) if (k.startsWith('fz-') || k.startsWith('h.fz-')) await buckets[bucket]!.delete(k);
      for (const w of env.fleet.workers) assert.equal(w.nc.isClosed(), false);
      assert.equal(env.fleet.scheduler.nc.isClosed(), false);
      assert.equal(env.fleet.ingress.nc.isClosed(), false);
      const overNats = JSON.parse(
        new TextDecoder().decode(
          (
            await nc.request(
              clientApi.completions,
              enc.encode(JSON.stringify({ model: FLEET_MODEL, prompt: 'still there?', max_tokens: 2 })),
              { timeout: 20_000 },
            )
          ).data,
        ),
      ) as { object?: string; error?: unknown };
      assert.equal(overNats.object, 'text_completion', JSON.stringify(overNats));
      const res = await fetch(`${env.fleet.baseUrl}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: FLEET_MODEL, prompt: 'still there?', max_tokens: 2 }),
      });
      assert.equal(res.status, 200, await res.clone().text());
    });
  });
});
