// The whole cluster with every worker in front of its own vLLM-compatible server process (VllmEngine
// over HTTP, KV events over ZMQ bridged to NATS): the worker code that would front a real vLLM.
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import OpenAI from 'openai';
import { decodeKvEventBatch } from '../../shared/engine/vllm/index.js';
import { eventSubjects } from '../../shared/protocol/index.js';
import { useCluster } from '../support/cluster.js';

describe('end to end with workers in front of vLLM-compatible servers', function () {
  this.timeout(60_000);
  const env = useCluster({ engine: 'vllm-sim', prefillWorkers: 0 });

  it('streams a chat completion with usage through VllmEngine', async () => {
    const openai = new OpenAI({ baseURL: `${env.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
    const stream = await openai.chat.completions.create({
      model: 'llama-3-8b',
      messages: [{ role: 'user', content: 'What does a vLLM engine do?' }],
      max_tokens: 8,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(text.length > 0);
    assert.equal(usage?.completion_tokens, 8);
  });

  it("bridges the engines' ZMQ KV events onto NATS in vLLM's layout, numbered", async () => {
    const nc = await connect(env.cluster.natsConnectOptions());
    try {
      const sub = nc.subscribe(eventSubjects.kvAll);
      // A prompt of several full 16-token blocks, so the engine stores blocks and says so.
      const prompt = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
      const res = await fetch(`${env.baseUrl}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'llama-3-8b', prompt, max_tokens: 2 }),
      });
      assert.equal(res.status, 200);
      const worker = res.headers.get('x-atc-worker-id');
      for await (const msg of sub) {
        if (msg.subject !== eventSubjects.kv(worker!)) continue;
        const batch = decodeKvEventBatch(msg.data);
        const stored = batch.events.filter((e) => e.type === 'BlockStored');
        if (stored.length === 0) continue;
        assert.ok(Number.isInteger(Number(msg.headers?.get('Atc-Seq'))));
        const blocks = stored.reduce((n, e) => n + (e.type === 'BlockStored' ? e.blockHashes.length : 0), 0);
        assert.ok(blocks >= 5, `expected the prompt's full blocks, got ${blocks}`);
        break;
      }
    } finally {
      await nc.close();
    }
  });
});
