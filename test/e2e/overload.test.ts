// The whole cluster (every service its own process, real nats-server) past saturation: 429 with
// Retry-After over HTTP (official openai client, retries off) and over NATS (Atc-Status, Atc-Retry-After).
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import OpenAI from 'openai';
import { AtcHeader, clientApi } from '../../shared/protocol/index.js';
import { useCluster } from '../support/cluster.js';
import { until } from '../support/poll.js';

describe('end to end past saturation', function () {
  this.timeout(60_000);
  // One decode worker that counts as full as soon as any KV block is in use (ATC_MAX_KV_USAGE), and an
  // ingress that lets no request queue (ATC_MAX_QUEUE_WAIT_MS=0): one long generation saturates the fleet.
  const env = useCluster({ decodeWorkers: 1, prefillWorkers: 0, env: { ATC_MAX_KV_USAGE: '0.000001', ATC_MAX_QUEUE_WAIT_MS: '0' } });
  const openai = () => new OpenAI({ baseURL: `${env.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });

  it('answers 429 with Retry-After over HTTP and NATS while a long generation fills the fleet, and serves again after', async () => {
    const busy = new AbortController();
    const stream = await openai().completions.create(
      { model: 'llama-3-8b', prompt: 'a long story', max_tokens: 20_000, stream: true },
      { signal: busy.signal },
    );
    const drained = (async () => {
      try {
        for await (const _ of stream);
      } catch {
        // aborted below
      }
    })();
    let limited: InstanceType<typeof OpenAI.RateLimitError> | undefined;
    await until(
      async () => {
        try {
          await openai().completions.create({ model: 'llama-3-8b', prompt: 'hi', max_tokens: 1 });
          return false;
        } catch (err) {
          if (!(err instanceof OpenAI.RateLimitError)) throw err;
          limited = err;
          return true;
        }
      },
      'a 429 over HTTP',
      20_000,
      100,
    );
    assert.equal(limited!.status, 429);
    assert.equal(limited!.code, 'overloaded');
    assert.ok(Number(limited!.headers?.get('retry-after')) >= 1);

    const nc = await connect(env.cluster.natsConnectOptions('client'));
    try {
      const reply = await nc.request(
        clientApi.completions,
        new TextEncoder().encode(JSON.stringify({ model: 'llama-3-8b', prompt: 'hi', max_tokens: 1 })),
        {
          timeout: 10_000,
        },
      );
      assert.equal(reply.headers?.get(AtcHeader.Status), '429');
      assert.ok(Number(reply.headers?.get(AtcHeader.RetryAfter)) >= 1);
      assert.equal(JSON.parse(new TextDecoder().decode(reply.data)).error.code, 'overloaded');
    } finally {
      await nc.close();
    }

    busy.abort();
    await drained;
    // Capacity frees with the next load report: requests are served again.
    await until(
      async () => {
        try {
          return (await openai().completions.create({ model: 'llama-3-8b', prompt: 'hi', max_tokens: 1 })).usage?.completion_tokens === 1;
        } catch (err) {
          if (err instanceof OpenAI.RateLimitError) return false;
          throw err;
        }
      },
      'the fleet to serve again',
      20_000,
      100,
    );
  });
});
