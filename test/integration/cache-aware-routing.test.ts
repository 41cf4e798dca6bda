// Cache-aware routing through real NATS, real workers (SimEngine on the real clock) and the scheduler
// fed by the engines' KV events: a repeated long prompt goes to the engine that cached it; a fresh
// scheduler replica routes cache-aware from its first request (prefix ownership in JetStream KV); and a
// burst spreads over engines instead of piling onto the cached one.
import assert from 'node:assert/strict';
import { IngressService } from '../../services/ingress/ingress-service.js';
import { SchedulerService } from '../../services/scheduler/scheduler-service.js';
import { WorkerRuntime } from '../../services/worker/index.js';
import { useNatsServer } from '../support/nats-server.js';
import { until } from '../support/poll.js';
import { testLogger } from '../support/quiet-logger.js';
import { simEngine } from '../support/sim-engine.js';

const MODEL = 'test-model';
const WORKERS = ['w1', 'w2', 'w3', 'w4'];
/** About 2,500 tokens: long enough that the prefix scorer dominates an idle fleet. */
const longPrompt = (topic: string) =>
  `Document about ${topic}. ` + `The ${topic} system routes requests to engines by their cached prefixes. `.repeat(200);

describe('cache-aware routing (in-process services over real NATS)', function () {
  this.timeout(60_000);
  const nats = useNatsServer();

  describe('with four decode workers', function () {
    const schedulers: SchedulerService[] = [];
    const workers: WorkerRuntime[] = [];
    let ingress: IngressService;

    before(async () => {
      schedulers.push(
        await SchedulerService.start({ natsUrl: nats.url, logger: testLogger('scheduler'), replicaId: 's1', ownershipSaveMs: 100 }),
      );
      for (const [i, id] of WORKERS.entries()) {
        workers.push(
          await WorkerRuntime.start({
            workerId: id,
            role: 'decode',
            natsUrl: nats.url,
            logger: testLogger(id),
            loadReportMs: 50,
            engine: simEngine(id, MODEL, i),
          }),
        );
      }
      ingress = await IngressService.start({
        natsUrl: nats.url,
        logger: testLogger('ingress'),
        http: { port: 0, host: '127.0.0.1', maxBodyBytes: 1 << 22 },
        limits: { maxTokensLimit: 100_000, defaultCompletionMaxTokens: 16, defaultChatMaxTokens: 64 },
      });
      // Until every worker has registered and reported load with every scheduler, and the ingress serves the model
      // (polled with a deadline that fails loudly: a loaded machine may take seconds).
      await until(
        () => schedulers[0]!.directory.live().filter((w) => w.load).length === WORKERS.length,
        'the scheduler to see every worker with a load report',
        20_000,
        25,
      );
      await until(
        async () => ((await (await fetch(`http://127.0.0.1:${ingress.port}/v1/models`)).json()) as { data: unknown[] }).data.length > 0,
        'the ingress to serve the model',
        20_000,
        25,
      );
    });

    after(async () => {
      await ingress?.close();
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(schedulers.map((s) => s.close()));
    });

    async function complete(prompt: string, maxTokens = 4): Promise<{ worker: string; cached: number }> {
      const res = await fetch(`http://127.0.0.1:${ingress.port}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, prompt, max_tokens: maxTokens, ignore_eos: true }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      const body = (await res.json()) as { usage: { prompt_tokens_details: { cached_tokens: number } } };
      return { worker: res.headers.get('x-atc-worker-id')!, cached: body.usage.prompt_tokens_details.cached_tokens };
    }

    const homes = new Map<string, string>();

    it('sends a repeated long prompt to the engine that cached it', async () => {
      for (const topic of ['alpha', 'beta', 'gamma']) {
        const first = await complete(longPrompt(topic));
        homes.set(topic, first.worker);
        await sleep(100); // the engine's KV events reach the scheduler
        for (let i = 0; i < 4; i++) {
          const again = await complete(longPrompt(topic));
          assert.equal(again.worker, first.worker, `repeat ${i} of ${topic} went to ${again.worker}, cached on ${first.worker}`);
          assert.ok(again.cached > 2000, `expected a prefix-cache hit, got ${again.cached} cached tokens`);
        }
      }
    });

    it('routes cache-aware from the first request of a fresh scheduler replica', async () => {
      await sleep(300); // ownership saved to JetStream KV (every 100 ms here)
      await schedulers[0]!.close();
      const fresh = await SchedulerService.start({
        natsUrl: nats.url,
        logger: testLogger('scheduler-2'),
        replicaId: 's2',
        ownershipSaveMs: 100,
      });
      schedulers.push(fresh);
      assert.ok(fresh.scheduler.state.prefixIndex.stats().distinctBlocks > 100, 'the fresh replica imported prefix ownership');
      for (let i = 0; i < 200 && fresh.directory.live().filter((w) => w.load).length < WORKERS.length; i++) await sleep(25);
      for (const [topic, home] of homes) {
        const { worker } = await complete(longPrompt(topic));
        assert.equal(worker, home, `${topic} went to ${worker} after the scheduler restart, cached on ${home}`);
      }
    });

    it('spreads a burst over the fleet instead of piling it onto the cached engine', async () => {
      const topic = 'alpha';
      const home = homes.get(topic)!;
      // Last: the burst leaves the prompt cached on several engines.
      // 48 concurrent long generations of a prompt cached on one engine: affinity alone would send them all there.
      const results = await Promise.all(Array.from({ length: 48 }, () => complete(longPrompt(topic), 200)));
      const perWorker = new Map<string, number>();
      for (const r of results) perWorker.set(r.worker, (perWorker.get(r.worker) ?? 0) + 1);
      const atHome = perWorker.get(home) ?? 0;
      assert.ok(perWorker.size >= 3, `burst used only ${[...perWorker.keys()].join(', ')}`);
      // The default config's hot-spot guard diverts once the cached engine runs 32 requests more than the
      // least-loaded one (in-flight accounting sees the burst before any load report does).
      assert.ok(atHome <= 40, `${atHome} of 48 went to the cached engine ${home}`);
      assert.ok(atHome >= Math.max(...perWorker.values()) / 2, 'the cached engine still takes a fair share');
    });
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
