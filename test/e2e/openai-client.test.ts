// The whole cluster (every service its own process, real nats-server) driven by the official openai client.
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { useCluster } from '../support/cluster.js';

describe('end to end with the openai client', function () {
  this.timeout(60_000);
  const env = useCluster();
  const openai = () => new OpenAI({ baseURL: `${env.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });

  it('streams a chat completion through ingress, scheduler and a decode worker, with usage', async () => {
    const stream = await openai().chat.completions.create({
      model: 'llama-3-8b',
      messages: [{ role: 'user', content: 'Tell me about air traffic control.' }],
      max_tokens: 12,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(text.length > 0);
    assert.equal(finish, 'length');
    assert.ok(usage, 'a usage chunk');
    assert.equal(usage.completion_tokens, 12);
    assert.ok(usage.prompt_tokens > 5);
    assert.equal(usage.total_tokens, usage.prompt_tokens + 12);
  });

  it('answers a non-streaming chat completion', async () => {
    const res = await openai().chat.completions.create({ model: 'llama-3-8b', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.choices[0]?.message.role, 'assistant');
    assert.equal(res.usage?.completion_tokens, 3);
  });

  it('answers completions, streaming and not', async () => {
    const whole = await openai().completions.create({ model: 'llama-3-8b', prompt: 'Once upon a time', max_tokens: 4 });
    assert.equal(whole.usage?.completion_tokens, 4);
    const stream = await openai().completions.create({ model: 'llama-3-8b', prompt: 'Once upon a time', max_tokens: 4, stream: true });
    let pieces = 0;
    for await (const chunk of stream) if (chunk.choices[0]?.text) pieces++;
    assert.equal(pieces, 4);
  });

  it('lists the served model', async () => {
    const models = await openai().models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['llama-3-8b'],
    );
  });

  it('surfaces an unknown model as a 404 APIError', async () => {
    await assert.rejects(
      openai().chat.completions.create({ model: 'gpt-nope', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => err instanceof OpenAI.APIError && err.status === 404 && err.code === 'model_not_found',
    );
  });

  describe('bad input gets the OpenAI error format and the right status', () => {
    const post = (path: string, body: string | object, headers: Record<string, string> = {}) =>
      fetch(`${env.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    // Each row: name, path, body, expected status, expected error code, expected param.
    const rows: Array<[string, string, string | object, number, string, string | null]> = [
      ['malformed JSON', '/v1/chat/completions', '{"model": ', 400, 'invalid_json', null],
      ['wrong type', '/v1/chat/completions', { model: 'llama-3-8b', messages: 'hello' }, 400, 'invalid_type', 'messages'],
      ['missing field', '/v1/completions', { model: 'llama-3-8b' }, 400, 'missing_required_parameter', 'prompt'],
      ['unknown model', '/v1/completions', { model: 'nope', prompt: 'x' }, 404, 'model_not_found', 'model'],
      [
        'max_tokens out of range',
        '/v1/completions',
        { model: 'llama-3-8b', prompt: 'x', max_tokens: 10_000_000 },
        400,
        'invalid_value',
        'max_tokens',
      ],
      ['oversized body', '/v1/completions', { model: 'llama-3-8b', prompt: 'x'.repeat(9 * 1024 * 1024) }, 413, 'request_too_large', null],
    ];
    for (const [name, path, body, status, code, param] of rows) {
      it(name, async () => {
        const res = await post(path, body);
        assert.equal(res.status, status);
        const json = (await res.json()) as { error: { message: string; type: string; param: string | null; code: string } };
        assert.deepEqual(Object.keys(json.error).sort(), ['code', 'message', 'param', 'type']);
        assert.equal(json.error.code, code);
        assert.equal(json.error.param, param);
        assert.ok(json.error.message.length > 0);
      });
    }
    it('unknown routes and wrong methods', async () => {
      assert.equal((await fetch(`${env.baseUrl}/v1/nothing`)).status, 404);
      assert.equal((await fetch(`${env.baseUrl}/v1/completions`)).status, 405);
    });
  });
});
