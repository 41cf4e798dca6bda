// A worker that dies: its registry entry expires on its own, requests go elsewhere, and with no worker
// left the API answers 503. Each case has its own cluster (no test depends on another's kills), and
// every wait polls the state it waits for (the registry is listed with listKeys, not kv.keys(), whose
// consumer raced with expiring entries: duplicates, and once a 60 s hang).
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { listKeys } from '../../shared/nats/index.js';
import { kvBuckets } from '../../shared/protocol/index.js';
import { useCluster } from '../support/cluster.js';
import { until } from '../support/poll.js';

const TTL_MS = 1500;

function workerFailureCluster() {
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
      return await listKeys(nc, kvBuckets.workers);
    } finally {
      await nc.close();
    }
  }
  return { env, complete, registeredWorkers };
}

describe('worker failure', function () {
  this.timeout(60_000);

  describe('one of two workers killed', function () {
    const { env, complete, registeredWorkers } = workerFailureCluster();

    it('drops a killed worker from the registry and serves every request on the others', async () => {
      assert.deepEqual(await registeredWorkers(), ['decode-1', 'decode-2']);
      env.cluster.kill('decode-1');
      // Right after the crash the scheduler still believes in decode-1: the ingress must retry elsewhere.
      const statuses = await Promise.all(Array.from({ length: 10 }, () => complete().then((r) => r.status)));
      assert.deepEqual(statuses, Array(10).fill(200));
      // The entry ages out after the TTL; under load the bucket's expiry sweep may lag: 20 TTLs of slack.
      await until(
        async () => !(await registeredWorkers()).includes('decode-1'),
        'registry entry of the dead worker expired',
        TTL_MS * 20,
        100,
      );
      assert.deepEqual(await registeredWorkers(), ['decode-2']);
    });
  });

  describe('every worker killed', function () {
    const { env, complete } = workerFailureCluster();

    it('answers 503 no_worker_available, and /health says why', async () => {
      env.cluster.kill('decode-1');
      env.cluster.kill('decode-2');
      let last: { status: number; body: { error?: { code: string } } } | undefined;
      await until(
        async () => {
          const res = await complete();
          last = { status: res.status, body: (await res.json()) as { error?: { code: string } } };
          return res.status === 503;
        },
        'the API answers 503 once both workers are gone',
        TTL_MS * 20,
        100,
      );
      assert.equal(last?.body.error?.code, 'no_worker_available');
      // The ingress's registry view and the scheduler's drop the workers each on its own watch and TTL:
      // /health follows within the same bound, not necessarily in the same millisecond.
      let health: { status: number; body: unknown } | undefined;
      await until(
        async () => {
          const res = await fetch(`${env.baseUrl}/health`);
          health = { status: res.status, body: await res.json() };
          return res.status === 503;
        },
        '/health to say the workers are gone',
        TTL_MS * 20,
        100,
      );
      assert.deepEqual(health?.body, { status: 'unavailable', reason: 'no workers' });
      assert.equal((await fetch(`${env.baseUrl}/livez`)).status, 200);
    });
  });
});
