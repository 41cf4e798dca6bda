// The request path through a real nats-server with in-process services: NATS client API, malformed
// messages, and cancellation down to the engine.
import assert from 'node:assert/strict';
import { connect, createInbox, type NatsConnection } from '@nats-io/transport-node';
import { IngressService } from '../../services/ingress/ingress-service.js';
import { SchedulerService } from '../../services/scheduler/scheduler-service.js';
import { clientApi, decodeMessage, encodeMessage, schedulerPick, workerSubjects, type PickRequestV1 } from '../../shared/protocol/index.js';
import { computeBlockHashes } from '../../shared/scheduling/index.js';
import { tokenize } from '../../shared/tokenizer/index.js';
import { WorkerRuntime } from '../../services/worker/index.js';
import { useNatsServer } from '../support/nats-server.js';
import { testLogger } from '../support/quiet-logger.js';
import { until } from '../support/poll.js';
import { simEngine } from '../support/sim-engine.js';

const MODEL = 'test-model';
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const dec = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));

describe('request path over NATS (in-process services)', function () {
  this.timeout(30_000);
  // Outer hooks: the server stops after the inner suite's services have closed.
  const nats = useNatsServer();
  describe('with a scheduler, two decode workers and an ingress', requestPathSuite(nats));
});

function requestPathSuite(nats: { readonly url: string }) {
  return function (this: Mocha.Suite) {
    let scheduler: SchedulerService;
    const workers: WorkerRuntime[] = [];
    let ingress: IngressService;
    let client: NatsConnection;

    before(async () => {
      scheduler = await SchedulerService.start({ natsUrl: nats.url, logger: testLogger('scheduler'), replicaId: 's1' });
      for (const id of ['w1', 'w2']) {
        workers.push(
          await WorkerRuntime.start({
            workerId: id,
            role: 'decode',
            natsUrl: nats.url,
            logger: testLogger(id),
            loadReportMs: 50,
            engine: simEngine(id, MODEL),
          }),
        );
      }
      ingress = await IngressService.start({
        natsUrl: nats.url,
        logger: testLogger('ingress'),
        http: { port: 0, host: '127.0.0.1', maxBodyBytes: 1 << 20 },
        limits: { maxTokensLimit: 100_000, defaultCompletionMaxTokens: 16, defaultChatMaxTokens: 64 },
        tokenizerThreads: 1,
      });
      client = await connect({ servers: nats.url });
      // The ingress learns the fleet from the registry watch: wait until it serves the model.
      await until(
        async () => dec((await client.request(clientApi.models, new Uint8Array(), { timeout: 2000 })).data).data.length > 0,
        'the ingress to serve the model',
        10_000,
        50,
      );
    });

    after(async () => {
      await client?.close();
      await ingress?.close();
      await Promise.all(workers.map((w) => w.close()));
      await scheduler?.close();
    });

    it('answers a non-streaming chat completion over NATS request-reply', async () => {
      const reply = await client.request(
        clientApi.chatCompletions,
        enc({ model: MODEL, messages: [{ role: 'user', content: 'hello' }], max_tokens: 4 }),
        { timeout: 10_000 },
      );
      const body = dec(reply.data);
      assert.equal(body.object, 'chat.completion');
      assert.equal(body.usage.completion_tokens, 4);
      assert.equal(typeof body.choices[0].message.content, 'string');
      assert.ok(reply.headers?.get('Atc-Request-Id'));
    });

    it('streams chunks to the requester inbox, then [DONE]', async () => {
      const inbox = createInbox();
      const sub = client.subscribe(inbox);
      client.publish(
        clientApi.completions,
        enc({ model: MODEL, prompt: 'count', max_tokens: 5, stream: true, stream_options: { include_usage: true } }),
        { reply: inbox },
      );
      const chunks: any[] = [];
      for await (const m of sub) {
        if (m.headers?.get('Atc-Stream') === 'done') {
          assert.equal(new TextDecoder().decode(m.data), '[DONE]');
          break;
        }
        chunks.push(dec(m.data));
      }
      const text = chunks
        .filter((c) => c.choices.length > 0)
        .map((c) => c.choices[0].text)
        .join('');
      assert.ok(text.length > 0);
      assert.equal(chunks.at(-1).usage.completion_tokens, 5);
    });

    it('answers bad NATS bodies with an OpenAI error and its HTTP status', async () => {
      const bad = await client.request(clientApi.completions, new TextEncoder().encode('{nope'), { timeout: 5000 });
      assert.equal(bad.headers?.get('Atc-Status'), '400');
      assert.equal(dec(bad.data).error.code, 'invalid_json');
      const unknown = await client.request(clientApi.completions, enc({ model: 'nope', prompt: 'x' }), { timeout: 5000 });
      assert.equal(unknown.headers?.get('Atc-Status'), '404');
      assert.equal(dec(unknown.data).error.code, 'model_not_found');
    });

    /** The next pick request the ingress sends, read beside the scheduler's queue group. */
    async function nextPick(send: () => Promise<unknown>): Promise<PickRequestV1> {
      const sub = client.subscribe(schedulerPick, { max: 1 });
      await client.flush();
      const [, msg] = await Promise.all([send(), (async () => (await sub[Symbol.asyncIterator]().next()).value)()]);
      return decodeMessage(msg.data, 'pick.request.v1');
    }

    it('tokenizes a long chat prompt on the pool and serves it, usage counting its tokens', async () => {
      const content = 'a long prompt for the tokenizer threads. '.repeat(300); // > INLINE_MAX_CHARS
      let body: any;
      const pick = await nextPick(async () => {
        const reply = await client.request(
          clientApi.chatCompletions,
          enc({ model: MODEL, messages: [{ role: 'user', content }], max_tokens: 2 }),
          { timeout: 10_000 },
        );
        body = dec(reply.data);
      });
      assert.equal(body.usage.completion_tokens, 2);
      assert.ok(body.usage.prompt_tokens > 1000, `prompt_tokens ${body.usage.prompt_tokens}`);
      // The pool thread hashed the ids as it tokenized them: the scheduler's decision thread does not.
      const ids = pick.promptTokens?.tokenIds ?? [];
      assert.equal(ids.length, body.usage.prompt_tokens);
      assert.equal(pick.blockHashes?.blockSize, 16);
      assert.deepEqual(pick.blockHashes?.hashes, computeBlockHashes(ids, 16));
    });

    it('hashes a token-id prompt before asking a scheduler replica', async () => {
      const prompt = Array.from({ length: 100 }, (_, i) => 500 + i);
      const pick = await nextPick(() =>
        client.request(clientApi.completions, enc({ model: MODEL, prompt, max_tokens: 1 }), { timeout: 10_000 }),
      );
      assert.deepEqual(pick.prompt, { tokenIds: prompt });
      assert.deepEqual(pick.blockHashes, { blockSize: 16, hashes: computeBlockHashes(prompt, 16) });
    });

    // Rows: the tokenizer named on the pick request, and whether the scheduler decides on the ids it carries
    // (64 tokens) or tokenizes the text itself ('hi': 1 token). The reply's reason names the uncached tokens.
    const given: Array<[string, string, number]> = [
      ['its own tokenizer: decides on the given ids', 'cl100k_base', 64],
      ["another tokenizer's ids: tokenizes the text itself", 'someone-elses-tokenizer', tokenize('hi').length],
    ];
    for (const [name, tokenizer, uncached] of given) {
      it(`pick request with token ids from ${name}`, async () => {
        const reply = await client.request(
          schedulerPick,
          encodeMessage({
            type: 'pick.request.v1',
            requestId: `given-${tokenizer}`,
            model: MODEL,
            prompt: { text: 'hi' },
            maxTokens: 1,
            headers: {},
            excludeWorkers: [],
            deadlineMs: Date.now() + 10_000,
            promptTokens: { tokenizer, tokenIds: Array.from({ length: 64 }, (_, i) => 90_000 + i) },
          }),
          { timeout: 5000 },
        );
        const pick = decodeMessage(reply.data, 'pick.reply.v1');
        assert.match(pick.reason, new RegExp(`uncachedTokens=${uncached}\\b`));
      });
    }

    it('rejects malformed internal messages with an error reply and keeps serving', async () => {
      const garbage = new Uint8Array([0x85, 0xa1]);
      const pick = decodeMessage((await client.request(schedulerPick, garbage, { timeout: 5000 })).data, 'error.v1');
      assert.equal(pick.code, 'bad_message');
      const gen = decodeMessage((await client.request(workerSubjects.generate('w1'), garbage, { timeout: 5000 })).data, 'error.v1');
      assert.equal(gen.code, 'bad_message');
      client.publish(workerSubjects.cancel('w1'), garbage);
      client.publish('atc.events.load.w1', garbage);
      const reply = await client.request(clientApi.completions, enc({ model: MODEL, prompt: 'still alive?', max_tokens: 2 }), {
        timeout: 10_000,
      });
      assert.equal(dec(reply.data).usage.completion_tokens, 2);
    });

    it('cancels the engine work when the HTTP client disconnects mid-stream', async () => {
      const controller = new AbortController();
      const res = await fetch(`http://127.0.0.1:${ingress.port}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        signal: controller.signal,
        // Long enough (thousands of tokens) to still be running when we hang up.
        body: JSON.stringify({ model: MODEL, prompt: 'a long story', max_tokens: 5000, ignore_eos: true, stream: true }),
      });
      const reader = res.body!.getReader();
      await reader.read();
      assert.equal(
        workers.reduce((n, w) => n + w.generate.activeRequests, 0),
        1,
      );
      controller.abort();
      await until(
        () => workers.reduce((n, w) => n + w.generate.activeRequests, 0) === 0,
        'the engine request to end after the client left',
        5000,
        20,
      );
    });

    it('cancels a NATS client request on atc.v1.cancel', async () => {
      const inbox = createInbox();
      const sub = client.subscribe(inbox);
      client.publish(clientApi.completions, enc({ model: MODEL, prompt: 'long', max_tokens: 5000, ignore_eos: true, stream: true }), {
        reply: inbox,
      });
      for await (const m of sub) {
        client.publish(clientApi.cancel, enc({ request_id: m.headers?.get('Atc-Request-Id') }));
        break;
      }
      await until(
        () => workers.reduce((n, w) => n + w.generate.activeRequests, 0) === 0,
        'the engine request to end after cancel',
        5000,
        20,
      );
    });
  };
}
