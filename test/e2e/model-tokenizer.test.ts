// In front of vLLM the scheduler must tokenize as the model does, or its prefix index never matches the
// engines' KV events. With ATC_TOKENIZER_PATH pointing at a model's tokenizer.json, every service (the
// scheduler, and here the vLLM-compatible servers standing in for vLLM) tokenizes with it, and a
// repeated prompt is routed to the engine that cached it.
import assert from 'node:assert/strict';
import { loadHfTokenizer } from '../../shared/tokenizer/index.js';
import { useCluster } from '../support/cluster.js';
import { writeTinyTokenizer } from '../support/tiny-tokenizer.js';

describe('a model tokenizer loaded from a local tokenizer.json', function () {
  this.timeout(60_000);
  const dir = writeTinyTokenizer();
  const env = useCluster({ engine: 'vllm-sim', decodeWorkers: 2, prefillWorkers: 0, env: { ATC_TOKENIZER_PATH: dir } });
  // ~1,200 tokens with the tiny byte-level tokenizer (below the 2,048-token disaggregation threshold).
  const prompt = 'the other route there, '.repeat(60);

  async function complete(): Promise<{ worker: string; promptTokens: number; cached: number }> {
    const res = await fetch(`${env.baseUrl}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama-3-8b', prompt, max_tokens: 2, ignore_eos: true }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { usage: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } } };
    return {
      worker: res.headers.get('x-atc-worker-id')!,
      promptTokens: body.usage.prompt_tokens,
      cached: body.usage.prompt_tokens_details.cached_tokens,
    };
  }

  it("chat goes through the model's chat template, and a repeated conversation to the engine that cached it", async () => {
    const messages = [
      { role: 'system', content: 'You route requests. '.repeat(50) },
      { role: 'user', content: 'Where does this go?' },
    ];
    const chat = async () => {
      const res = await fetch(`${env.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'llama-3-8b', messages, max_tokens: 2, ignore_eos: true }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      const body = (await res.json()) as { usage: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } } };
      return {
        worker: res.headers.get('x-atc-worker-id')!,
        promptTokens: body.usage.prompt_tokens,
        cached: body.usage.prompt_tokens_details.cached_tokens,
      };
    };
    const first = await chat();
    assert.equal(first.promptTokens, loadHfTokenizer(dir).encodeChat(messages).length);
    await new Promise((r) => setTimeout(r, 200));
    const again = await chat();
    assert.equal(again.worker, first.worker);
    assert.ok(again.cached >= first.promptTokens - 16, `cached ${again.cached} of ${first.promptTokens}`);
  });

  it('engines count prompt tokens with the model tokenizer, and repeats go to the engine that cached them', async () => {
    const first = await complete();
    assert.equal(first.promptTokens, loadHfTokenizer(dir).encode(prompt).length);
    await new Promise((r) => setTimeout(r, 200)); // KV events reach the scheduler
    for (let i = 0; i < 4; i++) {
      const again = await complete();
      assert.equal(again.worker, first.worker, `repeat ${i} went to ${again.worker}, cached on ${first.worker}`);
      assert.ok(again.cached >= first.promptTokens - 16, `cached ${again.cached} of ${first.promptTokens}`);
    }
  });
});
