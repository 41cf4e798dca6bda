// Fault: a scheduler replica dies or hangs with picks in hand (issue 14, finding 8). Picks are idempotent:
// the ingress asks again, on the replica that answered last (a hung replica's queue subscription stays,
// so the queue group alone could pick it again), and every request is served by the other replica.
import assert from 'node:assert/strict';
import { useCluster } from '../support/cluster.js';
import { countedCompletion, newCounts, reportCounts } from '../support/faults.js';
import { until } from '../support/poll.js';

describe('fault: scheduler replica lost with picks in hand', function () {
  this.timeout(90_000);
  const env = useCluster({ schedulers: 2, decodeWorkers: 2, prefillWorkers: 0 });
  const body = (i: number) => ({ model: 'llama-3-8b', prompt: `question ${i}`, max_tokens: 2 });
  const burst = async (n: number, counts: ReturnType<typeof newCounts>, from: number) =>
    await Promise.all(Array.from({ length: n }, (_, i) => countedCompletion(counts, env.baseUrl, body(from + i), 30_000)));

  it('serves every request when one replica hangs, when it is killed with picks in hand, and after', async () => {
    const counts = newCounts();
    await burst(10, counts, 0); // both replicas answer; the ingress knows one
    const replica = env.cluster.services.find((s) => s.name === 'scheduler-1')!;
    replica.child.kill('SIGSTOP'); // hung but connected: its queue subscription stays
    const t0 = Date.now();
    await burst(20, counts, 100);
    const hungMs = Date.now() - t0;
    // A burst while it still hangs; once the picks are handed out (some answered by the other replica),
    // it is killed with the rest in hand.
    const before = counts.succeeded;
    const t1 = Date.now();
    const inHand = burst(20, counts, 200);
    await until(() => counts.succeeded > before, 'the live replica to answer part of the burst', 30_000);
    env.cluster.kill('scheduler-1'); // for good: the cluster's supervisor does not restart it
    await inHand;
    const inHandMs = Date.now() - t1;
    const t2 = Date.now();
    await burst(20, counts, 300);
    const afterMs = Date.now() - t2;
    assert.equal(counts.hung, 0);
    assert.equal(counts.lost, 0);
    assert.deepEqual(counts.failures, {});
    assert.equal(counts.succeeded, 70);
    reportCounts(
      'scheduler replica hung, killed with picks in hand, and after (2 replicas)',
      counts,
      `bursts of 20: hung replica ${hungMs} ms, killed in hand ${inHandMs} ms, after the kill ${afterMs} ms (pick timeout 2000 ms)`,
    );
  });
});
