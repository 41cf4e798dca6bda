// VllmEngine against the vLLM-compatible server over SimEngine: the real HTTP, SSE, /metrics and
// ZMQ surfaces, no mocks.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startVllmServer } from '../../../services/vllm-sim/index.js';
import type { VllmServer } from '../../../services/vllm-sim/index.js';
import { SimEngine } from '../../../shared/engine/sim/index.js';
import { EngineError } from '../../../shared/engine/types.js';
import type { EngineOutput, EngineRequest, KvEventBatch } from '../../../shared/engine/types.js';
import { VllmEngine } from '../../../shared/engine/vllm/index.js';
import { tokenize } from '../../../shared/tokenizer/index.js';

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function collect(
  outputs: AsyncIterable<EngineOutput>,
): Promise<{ text: string; tokenIds: number[]; finished: Extract<EngineOutput, { type: 'finished' }> }> {
  let text = '';
  const tokenIds: number[] = [];
  for await (const output of outputs) {
    if (output.type === 'tokens') {
      text += output.text;
      tokenIds.push(...output.tokenIds);
    } else return { text, tokenIds, finished: output };
  }
  throw new Error('no finished output');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const PROMPT = 'The quick brown fox jumps over the lazy dog. '.repeat(8);

describe('VllmEngine against the vLLM-compatible server (SimEngine)', function () {
  this.timeout(20000);
  let sim: SimEngine;
  let server: VllmServer;
  let engine: VllmEngine;
  const viaZmq: KvEventBatch[] = [];
  const direct: KvEventBatch[] = [];

  before(async () => {
    sim = new SimEngine({ seed: 1 });
    sim.onKvEvents((batch) => direct.push(batch));
    server = await startVllmServer({ engine: sim, port: 0, kvEventsEndpoint: 'tcp://127.0.0.1:0', maxModelLen: 8192 });
    engine = new VllmEngine({
      baseUrl: `${server.url}/v1`,
      model: sim.model,
      kvEventsEndpoint: `tcp://127.0.0.1:${server.kvEventsPort!}`,
      metricsPollMs: 50,
      requestTimeoutMs: 10000,
    });
    engine.onKvEvents((batch) => viaZmq.push(batch));
    await engine.start();
    await until(() => server.publisher!.subscribedPrefixCount === 1, 'the KV-event subscription');
  });

  after(async () => {
    await engine.close();
    await engine.close(); // idempotent
    await server.close();
    await sim.close();
  });

  const request = (over: Partial<EngineRequest> & { maxTokens?: number } = {}): EngineRequest => ({
    requestId: `r-${Math.random().toString(36).slice(2)}`,
    prompt: { text: PROMPT },
    sampling: { maxTokens: over.maxTokens ?? 8, ignoreEos: true, seed: 3 },
    ...over,
  });

  it('streams a text prompt: tokens then one finished output with usage', async () => {
    const { text, tokenIds, finished } = await collect(engine.generate(request({ maxTokens: 12 })));
    // ignore_eos: exactly max_tokens tokens; the prompt is counted by the same tokenizer the sim uses.
    assert.equal(tokenIds.length, 12);
    assert.ok(text.length > 0);
    assert.equal(finished.finishReason, 'length');
    assert.equal(finished.usage.promptTokens, tokenize(PROMPT).length);
    assert.equal(finished.usage.completionTokens, 12);
    assert.ok(finished.ttftMs >= 0);
  });

  it('sends token-id prompts and reports cached prompt tokens on a repeat', async () => {
    const ids = tokenize(PROMPT);
    await collect(engine.generate(request({ prompt: { tokenIds: ids } })));
    const { finished } = await collect(engine.generate(request({ prompt: { tokenIds: ids } })));
    assert.equal(finished.usage.promptTokens, ids.length);
    // The second run finds the full blocks of the first in the prefix cache (block size 16).
    assert.ok(finished.usage.cachedPromptTokens >= 16, `cached ${finished.usage.cachedPromptTokens}`);
  });

  it('round-trips kv_transfer_params: a do_remote_decode prefill gets the remote_* fields back', async () => {
    const { finished } = await collect(
      engine.generate(request({ maxTokens: 1, kvTransfer: { do_remote_decode: true, do_remote_prefill: false } })),
    );
    assert.ok(finished.kvTransfer, 'kv_transfer_params returned');
    assert.equal(finished.kvTransfer.do_remote_prefill, true);
    assert.ok(Array.isArray(finished.kvTransfer.remote_block_ids) && finished.kvTransfer.remote_block_ids.length > 0);
    assert.equal(typeof finished.kvTransfer.remote_engine_id, 'string');
  });

  it('aborting the signal ends the request with finishReason abort and frees the engine', async () => {
    const controller = new AbortController();
    const outputs: EngineOutput[] = [];
    for await (const output of engine.generate(request({ maxTokens: 5000, signal: controller.signal }))) {
      outputs.push(output);
      if (output.type === 'tokens') controller.abort();
    }
    const last = outputs.at(-1);
    assert.ok(last?.type === 'finished', 'ends with a finished output');
    assert.equal(last.finishReason, 'abort');
    // vLLM (here: the sim) aborts the sequence when the HTTP request goes away.
    await until(() => sim.load().runningRequests === 0 && sim.load().waitingRequests === 0, 'the engine to drop the request');
  });

  it('maps a bad request (context overflow) to a non-retryable EngineError', async () => {
    await assert.rejects(collect(engine.generate(request({ maxTokens: 100000 }))), (e: unknown) => {
      return e instanceof EngineError && !e.retryable && /maximum context length/.test(e.message);
    });
  });

  it('maps connection refused to a retryable EngineError', async () => {
    const down = new VllmEngine({ baseUrl: `http://127.0.0.1:${await freePort()}`, model: 'm' });
    await assert.rejects(collect(down.generate(request())), (e: unknown) => e instanceof EngineError && e.retryable);
    await down.close();
  });

  it('reads load from /metrics', async () => {
    // A poll taken after every earlier request ended (the abort test's request may still show in an older one).
    const settled = (): boolean => {
      const load = engine.load();
      return load.prefixCacheQueries > 0 && load.prefixCacheQueries === sim.load().prefixCacheQueries && load.runningRequests === 0;
    };
    await until(settled, 'a metrics poll after the requests');
    const load = engine.load();
    const truth = sim.load();
    assert.equal(load.blockSize, 16);
    assert.equal(load.numGpuBlocks, truth.numGpuBlocks);
    assert.equal(load.prefixCacheHits, truth.prefixCacheHits);
    assert.equal(load.runningRequests, 0);
  });

  it('receives the engine KV events over ZMQ, decoded, with the same hashes', async () => {
    await until(() => viaZmq.length === direct.length && direct.length > 0, 'all KV-event batches over ZMQ');
    assert.deepEqual(viaZmq, direct);
    const stored = viaZmq.flatMap((b) => b.events).filter((e) => e.type === 'BlockStored');
    assert.ok(stored.length > 0);
  });

  it('reports a sequence gap to onKvEventGap listeners', async () => {
    const gaps: unknown[] = [];
    engine.onKvEventGap((gap) => gaps.push(gap));
    const publisher = server.publisher!;
    // Skip two sequence numbers on the wire, as a publisher's dropped batches would.
    const internals = publisher as unknown as { nextSeq: bigint };
    const before = internals.nextSeq;
    internals.nextSeq += 2n;
    publisher.publish({ ts: 1, events: [], dataParallelRank: null });
    await until(() => gaps.length === 1, 'the gap');
    assert.deepEqual(gaps[0], { expected: before, received: before + 2n, kind: 'missed' });
  });

  it('start() fails when nothing answers /health within startTimeoutMs', async () => {
    const down = new VllmEngine({ baseUrl: `http://127.0.0.1:${await freePort()}`, model: 'm', startTimeoutMs: 300 });
    await assert.rejects(down.start(), (e: unknown) => e instanceof EngineError && /not healthy/.test(e.message));
    await down.close();
  });
});
