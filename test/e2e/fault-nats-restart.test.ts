// Fault: the nats-server comes back with an empty store (issue 14, finding 3). Every JetStream bucket is
// gone; the services reconnect, recreate their buckets, workers register again, and requests succeed.
// While the registry cannot be read /health answers 503 with the reason. Requests sent across the
// outage either succeed or fail cleanly: none hangs, none is lost.
import assert from 'node:assert/strict';
import { useCluster } from '../support/cluster.js';
import { countedCompletion, newCounts, reportCounts } from '../support/faults.js';
import { until } from '../support/poll.js';

describe('fault: nats-server restarted with an empty store', function () {
  this.timeout(90_000);
  const env = useCluster({ prefillWorkers: 0, decodeWorkers: 1, env: { ATC_WORKER_TTL_MS: '1500' } });
  const body = { model: 'llama-3-8b', prompt: 'after the storm', max_tokens: 2 };

  it('recreates the buckets, serves again, and reports 503 on /health until then', async () => {
    const counts = newCounts();
    assert.equal((await countedCompletion(counts, env.baseUrl, body))?.status, 200);
    const t0 = Date.now();
    await env.cluster.restartNatsEmpty();
    // Across the recovery: every request answered, as a success or a clean error.
    let served: number | undefined;
    const sawUnready: string[] = [];
    await until(
      async () => {
        const health = await fetch(`${env.baseUrl}/health`);
        if (health.status === 503) sawUnready.push(((await health.json()) as { reason: string }).reason);
        const res = await countedCompletion(counts, env.baseUrl, body, 20_000);
        if (res?.status === 200) served = Date.now() - t0;
        return served !== undefined;
      },
      'a completion to succeed after the empty restart',
      45_000,
      100,
    );
    // Readiness comes back once the ingress's registry watch runs again (it may retry after the first request went through).
    await until(async () => (await fetch(`${env.baseUrl}/health`)).status === 200, '/health to answer 200 again', 20_000, 100);
    assert.equal(counts.hung, 0);
    assert.equal(counts.lost, 0);
    reportCounts(
      'nats-server restarted empty',
      counts,
      `first success ${served} ms after the restart; /health 503 reasons seen: ${[...new Set(sawUnready)].join(' | ') || 'none'}`,
    );
  });
});
