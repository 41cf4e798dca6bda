// Fault: a decode worker is killed with requests in its hands (issue 14). Requests it had started fail
// cleanly (an OpenAI-format error, worker_lost) once its stream falls silent; requests it had not started
// go to the other worker; none hangs and none is lost.
import assert from 'node:assert/strict';
import { useCluster } from '../support/cluster.js';
import { countedCompletion, newCounts, reportCounts } from '../support/faults.js';
import { until } from '../support/poll.js';

describe('fault: decode worker killed with requests in hand', function () {
  this.timeout(90_000);
  const env = useCluster({ decodeWorkers: 2, prefillWorkers: 0, env: { ATC_WORKER_TTL_MS: '1500' } });

  it('fails only the requests it had started, cleanly; the rest are served by the other worker', async () => {
    const counts = newCounts();
    const started: Array<Promise<unknown>> = [];
    const workers: string[] = [];
    // Long generations, so that some are on decode-1 when it dies.
    for (let i = 0; i < 8; i++)
      started.push(
        countedCompletion(
          counts,
          env.baseUrl,
          { model: 'llama-3-8b', prompt: `long ${i}`, max_tokens: 600, ignore_eos: true },
          60_000,
        ).then((res) => workers.push(res?.headers.get('x-atc-worker-id') ?? 'failed')),
      );
    // Once decode-1's engine runs some of them, kill it.
    const running = async (worker: string) => {
      const text = await (await fetch(`http://127.0.0.1:${env.cluster.metricsPorts.get(worker)}/metrics`)).text();
      return Number(/^atc_worker_running_requests\S* (\d+)/m.exec(text)?.[1] ?? 0);
    };
    await until(async () => (await running('decode-1')) > 0, "decode-1's engine to run requests", 20_000, 50);
    env.cluster.kill('decode-1');
    const t0 = Date.now();
    // Requests sent after the kill, while the fleet view still holds decode-1: retried elsewhere.
    const after = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        countedCompletion(counts, env.baseUrl, { model: 'llama-3-8b', prompt: `after ${i}`, max_tokens: 2 }, 30_000),
      ),
    );
    await Promise.all(started);
    const settledMs = Date.now() - t0;
    assert.equal(counts.hung, 0);
    assert.equal(counts.lost, 0);
    assert.ok(
      after.every((r) => r?.status === 200),
      'every request sent after the kill was served',
    );
    for (const [key, n] of Object.entries(counts.failures)) assert.match(key, /^502 worker_lost$/, `${n} failed with ${key}`);
    reportCounts('decode worker killed (8 long requests in flight, 10 sent after)', counts, `all settled ${settledMs} ms after the kill`);
  });
});
