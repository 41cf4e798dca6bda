// Flow control through a real nats-server and the real HTTP ingress (in-process services): a saturated
// fleet answers 429 with Retry-After over HTTP (official openai client) and over NATS (Atc-Status,
// Atc-Retry-After), and a pick queued at the scheduler is dispatched once capacity frees.
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import OpenAI from 'openai';
import { Registry } from 'prom-client';
import { IngressService } from '../../services/ingress/ingress-service.js';
import { SchedulerService } from '../../services/scheduler/scheduler-service.js';
import { WorkerRuntime } from '../../services/worker/index.js';
import { AtcHeader, clientApi, decodeMessage, encodeMessage, schedulerPick } from '../../shared/protocol/index.js';
import { useNatsServer } from '../support/nats-server.js';
import { until } from '../support/poll.js';
import { testLogger } from '../support/quiet-logger.js';
import { simEngine } from '../support/sim-engine.js';

const MODEL = 'test-model';
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const dec = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));

describe('flow control over NATS and HTTP (in-process services)', function () {
  this.timeout(60_000);
  const nats = useNatsServer();
  let scheduler: SchedulerService;
  let worker: WorkerRuntime;
  let ingress: IngressService;
  let client: NatsConnection;
  const registry = new Registry();
  let busy: AbortController | undefined;

  before(async () => {
    // Saturation made deterministic: a worker counts as full as soon as any KV block is in use, so one
    // long generation saturates the one-worker fleet until it ends.
    scheduler = await SchedulerService.start({
      natsUrl: nats.url,
      logger: testLogger('scheduler'),
      replicaId: 's1',
      registry,
      flowControl: { maxKvUsage: 1e-9 },
    });
    worker = await WorkerRuntime.start({
      workerId: 'w1',
      role: 'decode',
      natsUrl: nats.url,
      logger: testLogger('w1'),
      loadReportMs: 50,
      engine: simEngine('w1', MODEL),
    });
    // This ingress never lets a request queue: saturated means 429 at once.
    ingress = await IngressService.start({
      natsUrl: nats.url,
      logger: testLogger('ingress'),
      http: { port: 0, host: '127.0.0.1', maxBodyBytes: 1 << 20 },
      limits: { maxTokensLimit: 100_000, defaultCompletionMaxTokens: 16, defaultChatMaxTokens: 64 },
      dispatcher: { maxQueueWaitMs: 0 },
    });
    client = await connect({ servers: nats.url });
    await until(
      async () => dec((await client.request(clientApi.models, new Uint8Array(), { timeout: 2000 })).data).data.length > 0,
      'the ingress to see the worker',
      10_000,
    );
  });

  after(async () => {
    busy?.abort();
    await client?.close();
    await ingress?.close();
    await worker?.close();
    await scheduler?.close();
  });

  const openai = () => new OpenAI({ baseURL: `http://127.0.0.1:${ingress.port}/v1`, apiKey: 'unused', maxRetries: 0 });

  /** Starts a long streaming generation (aborted by the returned controller) and waits until it saturates the fleet. */
  async function saturate(): Promise<AbortController> {
    const ac = new AbortController();
    const stream = await openai().completions.create(
      { model: MODEL, prompt: 'a long story', max_tokens: 20_000, stream: true },
      { signal: ac.signal },
    );
    void (async () => {
      try {
        for await (const _ of stream);
      } catch {
        // aborted
      }
    })();
    return ac;
  }

  it('answers 429 with Retry-After over HTTP (openai client, no retries) and over NATS while saturated', async () => {
    busy = await saturate();
    let rateLimited: InstanceType<typeof OpenAI.RateLimitError> | undefined;
    await until(
      async () => {
        try {
          await openai().completions.create({ model: MODEL, prompt: 'hi', max_tokens: 1 });
          return false;
        } catch (err) {
          if (err instanceof OpenAI.RateLimitError) rateLimited = err;
          else throw err;
          return true;
        }
      },
      'a 429 from the saturated fleet',
      10_000,
      50,
    );
    assert.equal(rateLimited!.status, 429);
    assert.equal(rateLimited!.code, 'overloaded');
    assert.equal((rateLimited!.error as { type?: string }).type, 'rate_limit_error');
    assert.ok(Number(rateLimited!.headers?.get('retry-after')) >= 1, 'Retry-After in whole seconds');

    const reply = await client.request(clientApi.completions, enc({ model: MODEL, prompt: 'hi', max_tokens: 1 }), { timeout: 10_000 });
    assert.equal(reply.headers?.get(AtcHeader.Status), '429');
    assert.ok(Number(reply.headers?.get(AtcHeader.RetryAfter)) >= 1);
    assert.equal(dec(reply.data).error.code, 'overloaded');
  });

  it('rejects an unknown x-atc-priority with 400, naming the header', async () => {
    const res = await fetch(`http://127.0.0.1:${ingress.port}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-atc-priority': 'urgent' },
      body: JSON.stringify({ model: MODEL, prompt: 'hi', max_tokens: 1 }),
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /x-atc-priority/);
  });

  it('holds a pick in the queue while saturated and dispatches it once capacity frees', async () => {
    busy ??= await saturate();
    await until(
      async () => (await registry.getSingleMetric('atc_scheduler_rejections_total')!.get()).values.length > 0,
      'a rejection',
      10_000,
    );
    const pick = client.request(
      schedulerPick,
      encodeMessage({
        type: 'pick.request.v1',
        requestId: 'queued-1',
        model: MODEL,
        prompt: { text: 'hello' },
        maxTokens: 4,
        headers: { 'x-atc-priority': 'critical', 'x-atc-tenant': 'acme' },
        excludeWorkers: [],
        deadlineMs: Date.now() + 60_000,
        maxQueueMs: 30_000,
      }),
      { timeout: 35_000 },
    );
    const queued = async () =>
      (await registry.getSingleMetric('atc_scheduler_queue_requests')!.get()).values.some(
        (v) => v.value > 0 && v.labels['tenant'] === 'acme',
      );
    await until(queued, 'the pick to wait in the queue', 10_000);
    busy.abort(); // the long generation ends: its KV blocks free, the next load report shows room
    busy = undefined;
    const reply = decodeMessage((await pick).data, 'pick.reply.v1', 'error.v1');
    assert.equal(reply.type, 'pick.reply.v1');
    const wait = await registry.getSingleMetric('atc_scheduler_queue_wait_seconds')!.get();
    const count = wait.values.find(
      (v) => (v as { metricName?: string }).metricName === 'atc_scheduler_queue_wait_seconds_count' && v.labels['priority'] === 'critical',
    );
    assert.equal(count?.value, 1);
  });
});
