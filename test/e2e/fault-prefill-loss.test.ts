// Fault: the prefill worker dies or hangs while a request waits on it (issue 14, finding 7). The decode
// worker's pings notice it (no responders once its connection is gone, no answer when it hangs) and it
// prefills locally at once, not after the 30 s prefill timeout; the scheduler stops choosing it once its
// load reports stop; the response headers say what really happened.
import assert from 'node:assert/strict';
import { useCluster } from '../support/cluster.js';
import { countedCompletion, newCounts, reportCounts } from '../support/faults.js';
import { until } from '../support/poll.js';

/** ~12,000 tokens: long enough that the default config splits its prefill off (see disaggregation.test.ts). */
const longPrompt = (topic: string) => `Report on ${topic}. ` + `Section about ${topic} and how prefill is split from decode. `.repeat(1200);

describe('fault: prefill worker lost while a request waits on it', function () {
  this.timeout(90_000);
  // The default 30 s prefill timeout: a fallback before it proves the loss was noticed otherwise.
  const env = useCluster({ decodeWorkers: 1, prefillWorkers: 1 });
  const body = (topic: string) => ({ model: 'llama-3-8b', prompt: longPrompt(topic), max_tokens: 4, ignore_eos: true });

  it('falls back at once with worker_lost when the prefill worker hangs, then is killed; it is no longer chosen', async () => {
    const counts = newCounts();
    // Warm: a remote prefill that works, to know the split happens.
    const warm = await countedCompletion(counts, env.baseUrl, body('harbours'));
    assert.equal(warm?.headers.get('x-atc-prefill-worker-id'), 'prefill-1');
    assert.equal(warm?.headers.get('x-atc-prefill-fallback'), null);

    const prefill = env.cluster.services.find((s) => s.name === 'prefill-1')!;
    prefill.child.kill('SIGSTOP'); // hung: connected, answering nothing
    const t0 = Date.now();
    const hung = await countedCompletion(counts, env.baseUrl, body('lighthouses'), 30_000);
    const hungMs = Date.now() - t0;
    assert.equal(hung?.status, 200);
    assert.equal(hung?.headers.get('x-atc-prefill-worker-id'), null, 'no prefill header when the prefill did not happen there');
    assert.equal(hung?.headers.get('x-atc-prefill-fallback'), 'worker_lost', 'noticed by ping, not by the 30 s prefill timeout');

    env.cluster.kill('prefill-1'); // for good: the cluster's supervisor does not restart it
    const t1 = Date.now();
    // Until the scheduler stops choosing it, a request may still be planned there and fall back at once.
    let choseDead = 0;
    await until(
      async () => {
        const res = await countedCompletion(counts, env.baseUrl, body(`fjord ${Date.now()}`), 30_000);
        const fellBack = res?.headers.get('x-atc-prefill-fallback') !== null && res?.headers.get('x-atc-prefill-fallback') !== undefined;
        if (fellBack) choseDead++;
        return res?.status === 200 && !fellBack;
      },
      'a request that is no longer planned on the dead prefill worker',
      20_000,
      50,
    );
    const notChosenAfterMs = Date.now() - t1;
    // And from then on, none is.
    for (let i = 0; i < 3; i++) {
      const res = await countedCompletion(counts, env.baseUrl, body(`after ${i}`), 30_000);
      assert.equal(res?.status, 200);
      assert.equal(res?.headers.get('x-atc-prefill-fallback'), null);
      assert.equal(res?.headers.get('x-atc-prefill-worker-id'), null);
    }
    assert.equal(counts.hung, 0);
    assert.equal(counts.lost, 0);
    assert.equal(counts.failedCleanly, 0);
    reportCounts(
      'prefill worker hung then killed',
      counts,
      `hung worker's request served in ${hungMs} ms (prefill timeout 30000 ms); dead worker still planned for ${choseDead} request(s), not chosen after ${notChosenAfterMs} ms`,
    );
  });
});
