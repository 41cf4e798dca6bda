// The official openai client (v6) against the vLLM-compatible server, plus the error surface.
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startVllmServer } from '../../../services/vllm-sim/index.js';
import type { VllmServer } from '../../../services/vllm-sim/index.js';
import { SimEngine } from '../../../shared/engine/sim/index.js';

describe('vLLM-compatible server with the openai client', function () {
  this.timeout(20000);
  let sim: SimEngine;
  let server: VllmServer;
  let client: OpenAI;

  before(async () => {
    sim = new SimEngine({ seed: 2 });
    server = await startVllmServer({ engine: sim, port: 0, maxModelLen: 8192 });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await server.close();
    await sim.close();
  });

  it('lists the served model', async () => {
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      [sim.model],
    );
  });

  it('completes non-streaming with vLLM extensions and usage details', async () => {
    const completion = await client.completions.create({
      model: sim.model,
      prompt: 'Once upon a time',
      max_tokens: 6,
      // vLLM extension, passed through the body.
      ...({ ignore_eos: true } as object),
    });
    assert.equal(completion.object, 'text_completion');
    assert.equal(completion.choices[0]!.finish_reason, 'length');
    assert.equal(completion.usage!.completion_tokens, 6);
    assert.equal(completion.usage!.total_tokens, completion.usage!.prompt_tokens + 6);
    assert.equal(
      typeof (completion.usage as { prompt_tokens_details?: { cached_tokens?: number } }).prompt_tokens_details?.cached_tokens,
      'number',
    );
  });

  it('streams chat completions with include_usage', async () => {
    const stream = await client.chat.completions.create({
      model: sim.model,
      messages: [{ role: 'user', content: 'Say hello' }],
      max_tokens: 5,
      stream: true,
      stream_options: { include_usage: true },
      ...({ ignore_eos: true } as object),
    });
    let content = '';
    let role: string | undefined;
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice) {
        role ??= choice.delta.role;
        content += choice.delta.content ?? '';
        finish = choice.finish_reason ?? finish;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(role, 'assistant');
    assert.ok(content.length > 0);
    assert.equal(finish, 'length');
    assert.equal(usage?.completion_tokens, 5);
  });

  const errorRows: Array<{ name: string; call: () => Promise<unknown>; status: number }> = [
    { name: 'unknown model -> 404', call: () => client.completions.create({ model: 'nope', prompt: 'x', max_tokens: 1 }), status: 404 },
    { name: 'empty prompt -> 400', call: () => client.completions.create({ model: sim.model, prompt: '', max_tokens: 1 }), status: 400 },
    { name: 'n=2 -> 400', call: () => client.completions.create({ model: sim.model, prompt: 'x', max_tokens: 1, n: 2 }), status: 400 },
  ];
  for (const row of errorRows) {
    it(`answers ${row.name} in OpenAI error format`, async () => {
      await assert.rejects(
        row.call(),
        (e: unknown) => e instanceof OpenAI.APIError && e.status === row.status && typeof e.message === 'string',
      );
    });
  }

  it('answers bad JSON with 400, unknown routes with 404, wrong methods with 405', async () => {
    const bad = await fetch(`${server.url}/v1/completions`, { method: 'POST', body: '{' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { type: string } }).error.type, 'BadRequestError');
    assert.equal((await fetch(`${server.url}/v2/nothing`)).status, 404);
    assert.equal((await fetch(`${server.url}/v1/completions`)).status, 405);
  });

  it('aborts the engine request when the client disconnects', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: sim.model, prompt: 'long story', max_tokens: 5000, ignore_eos: true, stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read(); // the first chunk: the request is running
    assert.equal(sim.load().runningRequests, 1);
    controller.abort();
    const deadline = Date.now() + 5000;
    while (sim.load().runningRequests !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(sim.load().runningRequests, 0);
  });
});
