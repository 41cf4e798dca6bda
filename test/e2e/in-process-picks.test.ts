// The ingress picking in its own process (`--scheduler in-process`, `npm start -- --schedulers 0`): no
// scheduler replica runs, and the whole path still works through real processes and a real nats-server
// with per-role users: the openai client streams and not, the in-process prefix index is fed by the
// workers' KV events (a repeated prompt goes back to its cache), long prompts are disaggregated to the
// prefill worker, and the scheduler's metrics are on the ingress's /metrics.
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { useCluster } from '../support/cluster.js';
import { until } from '../support/poll.js';

const MODEL = 'llama-3-8b';

describe('end to end with picks in the ingress process', function () {
  this.timeout(60_000);
  const env = useCluster({ schedulers: 0, inProcessPicks: true, decodeWorkers: 2, prefillWorkers: 1 });
  const openai = () => new OpenAI({ baseURL: `${env.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });

  const complete = async (prompt: string, maxTokens: number) => {
    const res = await fetch(`${env.baseUrl}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, prompt, max_tokens: maxTokens }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { usage: { completion_tokens: number; prompt_tokens_details: { cached_tokens: number } } };
    return { headers: res.headers, body };
  };

  it('runs no scheduler process and connects the ingress with the picking rights', () => {
    assert.deepEqual(
      env.cluster.services.filter((s) => s.service === 'scheduler').map((s) => s.name),
      [],
    );
    assert.equal(env.cluster.users?.ingress.role, 'ingress-scheduler');
  });

  it('answers chat completions streamed and whole through the openai client', async () => {
    const stream = await openai().chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Tell me about air traffic control.' }],
      max_tokens: 8,
      stream: true,
      stream_options: { include_usage: true },
    });
    let pieces = 0;
    let completion = -1;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) pieces++;
      if (chunk.usage) completion = chunk.usage.completion_tokens;
    }
    assert.equal(pieces, 8);
    assert.equal(completion, 8);
    const whole = await openai().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 });
    assert.equal(whole.usage?.completion_tokens, 5);
    assert.ok((whole.choices[0]?.message.content ?? '').length > 0, 'the whole text');
  });

  it('sends a repeated prompt back to the worker that holds its prefix', async () => {
    // ~600 tokens: many whole blocks, under the 2,048-token disaggregation threshold.
    const prompt = `${'The controller cleared the flight for landing on runway two seven. '.repeat(50)}Summarize.`;
    const first = await complete(prompt, 2);
    const holder = first.headers.get('x-atc-worker-id');
    assert.ok(holder?.startsWith('decode-'), `served by ${holder}`);
    // The in-process index learns the holder's blocks from its KV events (over NATS, a moment later).
    await until(
      async () => {
        const again = await complete(prompt, 2);
        return again.headers.get('x-atc-worker-id') === holder && again.body.usage.prompt_tokens_details.cached_tokens > 0;
      },
      'the repeated prompt to reach its cached prefix on the same worker',
      20_000,
    );
  });

  it('disaggregates a long prompt to the prefill worker', async () => {
    const prompt = `${'Vectors, altitudes and speeds for every arrival into the terminal area. '.repeat(260)}Go.`;
    const { headers } = await complete(prompt, 2);
    assert.equal(headers.get('x-atc-prefill-worker-id'), 'prefill-1');
    assert.equal(headers.get('x-atc-prefill-fallback'), null);
  });

  it("counts the picks on the ingress's /metrics", async () => {
    const text = await (await fetch(`${env.baseUrl}/metrics`)).text();
    const ok = /atc_scheduler_picks_total\{model="llama-3-8b",outcome="ok"\} (\d+)/.exec(text);
    assert.ok(ok && Number(ok[1]) >= 3, `picks counted: ${ok?.[1]}`);
    assert.match(text, /atc_ingress_requests_total/);
  });
});
