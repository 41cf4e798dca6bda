// A worker that dies: its registry entry expires on its own, requests go elsewhere, and with no worker
// left the API answers 503.
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { kvBuckets } from '../../shared/protocol/index.js';
import { useCluster } from '../support/cluster.js';

const TTL_MS = 1500;

describe('worker failure', function () {
  this.timeout(60_000);
  const env = useCluster({ prefillWorkers: 0, env: { ATC_WORKER_TTL_MS: String(TTL_MS) } });

  const complete = (maxTokens = 2) =>
    fetch(`${env.baseUrl}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama-3-8b', prompt: 'hello', max_tokens: maxTokens }),
    });

  async function registeredWorkers(): Promise<string[]> {
    const nc = await connect(env.cluster.natsConnectOptions());
    try {
      const kv = await new Kvm(nc).open(kvBuckets.workers);
      const keys: string[] = [];
      for await (const k of await kv.keys()) keys.push(k);
      // keys() lists a key twice when a heartbeat rewrites it during the listing (seen under load).
      return [...new Set(keys)].sort();
    } finally {
      await nc.close();
    }
  }

  it('drops a killed worker from the registry and serves every request on the others', async () => {
    assert.deepEqual(await registeredWorkers(), ['decode-1', 'decode-2']);
    env.cluster.kill('decode-1');
    // Right after the crash the scheduler still believes in decode-1: the ingress must retry elsewhere.
    const statuses = await Promise.all(Array.from({ length: 10 }, () => complete().then((r) => r.status)));
    assert.deepEqual(statuses, Array(10).fill(200));
    const deadline = Date.now() + TTL_MS * 4;
    while ((await registeredWorkers()).includes('decode-1')) {
      assert.ok(Date.now() < deadline, 'registry entry of the dead worker did not expire');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(await registeredWorkers(), ['decode-2']);
  });

  it('answers 503 when no worker is left', async () => {
    env.cluster.kill('decode-2');
    await new Promise((r) => setTimeout(r, TTL_MS * 2.5));
    const res = await complete();
    assert.equal(res.status, 503);
    const body = (await res.json()) as { error: { code: string; type: string } };
    assert.equal(body.error.code, 'no_worker_available');
  });
});
