// Cache-holder prefill live (issue 13): two kv_both workers (role `both`) over SimEngine, or in front of
// vLLM-compatible servers (services/vllm-sim: HTTP, SSE, ZMQ KV events, as a real vLLM), a scheduler with
// pd-profile-handler's cacheHolderPrefill, an ingress, on a real nats-server. A long prompt is first
// served on the holder; the same prefix with a new question is then decoded on the other worker (the
// x-atc-worker header stands in for load scorers that prefer it), prefilled on the holder (only the
// suffix computed there), its KV handed off through the JetStream KV record (put, taken, deleted) and
// pulled by the decode worker. When the holder is gone, the decode worker prefills locally and the
// response says why.
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KvEntry } from '@nats-io/kv';
import { IngressService } from '../../services/ingress/ingress-service.js';
import { SchedulerService } from '../../services/scheduler/scheduler-service.js';
import { WorkerRuntime } from '../../services/worker/index.js';
import { startVllmServer, type VllmServer } from '../../services/vllm-sim/index.js';
import { createEngine } from '../../shared/engine/factory.js';
import { SimEngine } from '../../shared/engine/sim/index.js';
import type { Engine } from '../../shared/engine/types.js';
import { listKeys } from '../../shared/nats/index.js';
import { kvBuckets } from '../../shared/protocol/index.js';
import { useNatsServer } from '../support/nats-server.js';
import { until } from '../support/poll.js';
import { testLogger } from '../support/quiet-logger.js';

const MODEL = 'test-model';

/**
 * The decode profile follows the x-atc-worker header (session-affinity-scorer, weight 10) over prefix
 * affinity (weight 1): the test says where to decode, the handler decides where to prefill.
 */
const CONFIG = `
plugins:
  - type: model-filter
  - type: role-filter
    name: decode-role
    parameters: {role: decode}
  - type: session-affinity-scorer
  - type: precise-prefix-cache-scorer
  - type: max-score-picker
  - type: pd-profile-handler
    parameters: {thresholdTokens: 2048, costAware: true, cacheHolderPrefill: true}
schedulingProfiles:
  - name: decode
    plugins:
      - {pluginRef: model-filter}
      - {pluginRef: decode-role}
      - {pluginRef: session-affinity-scorer, weight: 10}
      - {pluginRef: precise-prefix-cache-scorer, weight: 1}
      - {pluginRef: max-score-picker}
`;

/** Several thousand tokens on one topic: far above the 2,048-token threshold. */
const longPrompt = (topic: string) =>
  `Report on ${topic}. ` + `Section about ${topic} and how its prefix is reused by a peer. `.repeat(600);

for (const kind of ['sim', 'vllm-sim'] as const)
  describe(`cache-holder prefill (kv_both workers ${kind === 'sim' ? 'over SimEngine' : 'in front of vLLM-compatible servers'}, real NATS)`, function () {
    this.timeout(60_000);
    const nats = useNatsServer();
    let scheduler: SchedulerService;
    let holder: WorkerRuntime;
    let decoder: WorkerRuntime;
    let ingress: IngressService;
    let client: NatsConnection;
    /** Every change of the handoff bucket seen by a watcher, in order. */
    const handoffOps: Array<{ key: string; op: KvEntry['operation'] }> = [];
    let stopWatch: (() => void) | undefined;
    const servers: VllmServer[] = [];

    /** The worker's engine: SimEngine in the worker, or VllmEngine in front of a vLLM-compatible server. */
    async function engineFor(id: string, seed: number): Promise<Engine> {
      const options = { model: MODEL, profile: 'llama-3-8b-h100', seed, engineId: id };
      if (kind === 'sim') return createEngine({ kind: 'sim', vllmUrl: '', vllmKvEventsEndpoint: '', ...options });
      const sim = new SimEngine(options);
      const server = await startVllmServer({
        engine: sim,
        port: 0,
        host: '127.0.0.1',
        maxModelLen: 131_072,
        kvEventsEndpoint: 'tcp://127.0.0.1:0',
      });
      servers.push(server);
      return createEngine({
        kind: 'vllm',
        vllmUrl: server.url,
        vllmKvEventsEndpoint: `tcp://127.0.0.1:${server.kvEventsPort!}`,
        ...options,
      });
    }

    const startWorker = async (id: string, seed: number) =>
      WorkerRuntime.start({
        workerId: id,
        role: 'both',
        natsUrl: nats.url,
        logger: testLogger(id),
        loadReportMs: 100,
        engine: await engineFor(id, seed),
      });

    before(async function () {
      this.timeout(30_000);
      scheduler = await SchedulerService.start({
        natsUrl: nats.url,
        logger: testLogger('scheduler'),
        replicaId: 'holder-s1',
        configYaml: CONFIG,
      });
      holder = await startWorker('holder', 1);
      decoder = await startWorker('decoder', 2);
      ingress = await IngressService.start({
        natsUrl: nats.url,
        logger: testLogger('ingress'),
        http: { port: 0, host: '127.0.0.1', maxBodyBytes: 1 << 20 },
        limits: { maxTokensLimit: 4_096, defaultCompletionMaxTokens: 4, defaultChatMaxTokens: 4 },
      });
      client = await connect({ servers: nats.url });
      await until(() => ingress.http !== undefined && scheduler.directory.live().length === 2, 'the scheduler to see both workers', 10_000);
      const kv = await new Kvm(client).open(kvBuckets.kvHandoff);
      const watch = await kv.watch();
      stopWatch = () => watch.stop();
      void (async () => {
        for await (const e of watch) handoffOps.push({ key: e.key, op: e.operation });
      })();
    });
    after(async () => {
      stopWatch?.();
      await client?.close();
      await ingress?.close();
      await Promise.all([holder?.close(), decoder?.close()]);
      await scheduler?.close();
      await Promise.all(servers.map((s) => s.close()));
    });

    async function complete(prompt: string, decodeOn: string) {
      const res = await fetch(`http://127.0.0.1:${ingress.port}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-atc-worker': decodeOn },
        body: JSON.stringify({ model: MODEL, prompt, max_tokens: 4, ignore_eos: true }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      const body = (await res.json()) as {
        usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details: { cached_tokens: number } };
      };
      return {
        decode: res.headers.get('x-atc-worker-id'),
        prefill: res.headers.get('x-atc-prefill-worker-id'),
        fallback: res.headers.get('x-atc-prefill-fallback'),
        usage: body.usage,
      };
    }

    /** Serves `prompt` on the holder and waits until the scheduler's prefix index holds its blocks there. */
    async function warmOnHolder(prompt: string): Promise<void> {
      const index = scheduler.scheduler.state.prefixIndex;
      const before = index.workerBlockCount('holder');
      const warm = await complete(prompt, 'holder');
      assert.equal(warm.decode, 'holder');
      assert.equal(warm.prefill, null, 'the holder decodes its own prompt: nothing to split');
      assert.ok(warm.usage.prompt_tokens > 4 * 2048, `a long prompt (${warm.usage.prompt_tokens} tokens)`);
      const blocks = Math.floor(warm.usage.prompt_tokens / 16);
      await until(
        () => index.workerBlockCount('holder') >= before + blocks,
        "the holder's KV events in the scheduler's prefix index",
        10_000,
      );
    }

    it('prefills on the cache holder, decodes on the other worker, through a handoff record taken and deleted', async () => {
      const prompt = longPrompt('harbours');
      await warmOnHolder(prompt);
      const opsBefore = handoffOps.length;
      const { decode, prefill, fallback, usage } = await complete(`${prompt} Which harbour is deepest?`, 'decoder');
      assert.equal(decode, 'decoder');
      assert.equal(prefill, 'holder', 'prefilled on the cache holder');
      assert.equal(fallback, null);
      assert.equal(usage.completion_tokens, 4);
      // The decode engine pulled the prompt's full blocks instead of computing them.
      assert.ok(
        usage.prompt_tokens_details.cached_tokens >= usage.prompt_tokens - 16,
        `cached ${usage.prompt_tokens_details.cached_tokens} of ${usage.prompt_tokens}`,
      );
      // The record was put by the holder, then taken (read and deleted) by the decode worker.
      await until(() => handoffOps.length >= opsBefore + 2, 'the handoff record to be put and deleted', 5_000);
      const ops = handoffOps.slice(opsBefore);
      assert.deepEqual(
        ops.map((o) => o.op),
        ['PUT', 'DEL'],
        JSON.stringify(ops),
      );
      assert.equal(ops[0]!.key, ops[1]!.key);
      assert.deepEqual(await listKeys(client, kvBuckets.kvHandoff), [], 'no handoff record left');
    });

    it('falls back to a local prefill, visibly, when the holder is gone', async () => {
      const prompt = longPrompt('lighthouses');
      await warmOnHolder(prompt);
      // The holder's connection goes (a crash: no deregistration, no goodbye); the scheduler still has its
      // registration and a load report younger than holderMaxLoadAgeMs, so it still plans the split.
      await holder.nc.close();
      const { decode, prefill, fallback, usage } = await complete(`${prompt} Which lighthouse is oldest?`, 'decoder');
      assert.equal(decode, 'decoder');
      assert.equal(prefill, null, 'no prefill header: the prefill did not happen on the holder');
      // no_responders: the holder's subscriptions left with its connection; worker_lost: the decode
      // worker's liveness ping noticed first.
      assert.ok(fallback === 'no_responders' || fallback === 'worker_lost', `fallback ${String(fallback)}`);
      assert.equal(usage.completion_tokens, 4);
      assert.ok(usage.prompt_tokens_details.cached_tokens < usage.prompt_tokens / 2, 'computed locally, not pulled');
    });
  });
