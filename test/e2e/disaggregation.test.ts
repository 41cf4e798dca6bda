// Prefill/decode disaggregation end to end: a long prompt is prefilled on the prefill worker, the
// KV-block handoff goes through JetStream KV (and is deleted after use), the decode worker pulls the
// blocks and decodes; a prefill worker that stops answering makes the decode worker prefill locally,
// visibly.
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { listKeys } from '../../shared/nats/index.js';
import { kvBuckets } from '../../shared/protocol/index.js';
import { useCluster } from '../support/cluster.js';

/**
 * About 12,000 tokens: the default config splits prefill off when the prefill worker's backlog plus the
 * transfer is at most 1.5 × the local prefill; a prompt this long pays even if the prefill worker still
 * reports the previous test's request (a backlog of 2,048 tokens per reported request).
 */
const longPrompt = (topic: string) => `Report on ${topic}. ` + `Section about ${topic} and how prefill is split from decode. `.repeat(1200);

for (const engine of ['sim', 'vllm-sim'] as const) {
  describe(`prefill/decode disaggregation (${engine === 'sim' ? 'SimEngine workers' : 'workers in front of vLLM-compatible servers'})`, function () {
    this.timeout(60_000);
    // The default 30 s prefill timeout: a frozen prefill worker is noticed by the decode worker's pings
    // (within 2 s), and a slow prefill on a loaded machine is not mistaken for a lost one.
    const env = useCluster({ engine, decodeWorkers: 2, prefillWorkers: 1 });

    async function complete(prompt: string) {
      const res = await fetch(`${env.baseUrl}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'llama-3-8b', prompt, max_tokens: 4, ignore_eos: true }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      const body = (await res.json()) as {
        usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details: { cached_tokens: number } };
      };
      return {
        prefill: res.headers.get('x-atc-prefill-worker-id'),
        fallback: res.headers.get('x-atc-prefill-fallback'),
        decode: res.headers.get('x-atc-worker-id'),
        usage: body.usage,
      };
    }

    async function handoffKeys(): Promise<string[]> {
      const nc = await connect(env.cluster.natsConnectOptions());
      try {
        return await listKeys(nc, kvBuckets.kvHandoff);
      } finally {
        await nc.close();
      }
    }

    it('prefills a long prompt remotely and decodes with the handed-off blocks', async () => {
      const { prefill, decode, usage } = await complete(longPrompt('harbours'));
      assert.equal(prefill, 'prefill-1');
      assert.match(decode ?? '', /^decode-/);
      assert.equal(usage.completion_tokens, 4);
      // The decode engine pulled the prompt's full blocks instead of computing them.
      assert.ok(
        usage.prompt_tokens_details.cached_tokens >= usage.prompt_tokens - 16,
        `cached ${usage.prompt_tokens_details.cached_tokens} of ${usage.prompt_tokens}`,
      );
      assert.deepEqual(await handoffKeys(), [], 'the handoff record is deleted after use');
    });

    it('keeps short prompts local', async () => {
      const { prefill } = await complete('A short question?');
      assert.equal(prefill, null);
    });

    it('falls back to local prefill, visibly, when the prefill worker stops answering', async () => {
      const prefillWorker = env.cluster.services.find((s) => s.name === 'prefill-1')!;
      prefillWorker.child.kill('SIGSTOP');
      try {
        const { prefill, fallback, usage } = await complete(longPrompt('lighthouses'));
        // The scheduler still believed in the frozen prefill worker; the headers say it was not used after all.
        assert.equal(prefill, null);
        assert.equal(fallback, 'worker_lost');
        assert.equal(usage.completion_tokens, 4);
        assert.ok(usage.prompt_tokens_details.cached_tokens < usage.prompt_tokens / 2, 'computed locally, not pulled');
        assert.ok(
          env.logs.some((l) => l.includes('remote prefill failed') && l.includes('pdFallback')),
          'a fallback log line',
        );
      } finally {
        prefillWorker.child.kill('SIGCONT');
      }
    });
  });
}
