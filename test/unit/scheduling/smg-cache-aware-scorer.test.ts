import assert from 'node:assert/strict';
import { InflightLedger, RoutedPrefixCache, computeBlockHashes } from '../../../shared/scheduling/index.js';
import { SmgCacheAwareScorer } from '../../../shared/scheduling/plugins/scorers/smg-cache-aware-scorer.js';
import { NOW_MS, cycle, request, rounded, tokens, worker } from './fixtures.js';

describe('smg-cache-aware-scorer (smg 1.13 cache_aware)', () => {
  const prompt = tokens(160); // 10 blocks
  const hashes = computeBlockHashes(prompt, 16);
  const options = { cacheThreshold: 0.3, balanceAbsThreshold: 4, balanceRelThreshold: 1.5 };
  // Each worker: [waiting, kv usage, routed blocks, in-flight requests]. Expected wait in s:
  // (waiting + sent since its report) × 1024 / 2000 + 0.15 k / (1 − k). The pool scores 1 (least
  // wait) down to 0.5; workers outside the pool 0.
  const rows: Array<{ name: string; ws: Array<[number, number, number, number]>; want: number[] }> = [
    // Nothing routed: a miss, every worker in the pool; waits 0, 0.512, 1.024 -> 1, 0.75, 0.5.
    {
      name: 'a miss: least expected wait',
      ws: [
        [0, 0, 0, 0],
        [1, 0, 0, 0],
        [2, 0, 0, 0],
      ],
      want: [1, 0.75, 0.5],
    },
    // b holds 8/10 (0.8 > 0.3): b alone, whatever its queue.
    {
      name: 'a hit: the holder',
      ws: [
        [0, 0, 0, 0],
        [3, 0, 8, 0],
        [0, 0, 2, 0],
      ],
      want: [0, 1, 0],
    },
    // 2/10 = 0.2 ≤ 0.3: a miss.
    {
      name: 'a weak match is a miss',
      ws: [
        [1, 0, 0, 0],
        [0, 0, 2, 0],
        [2, 0, 0, 0],
      ],
      want: [0.75, 1, 0.5],
    },
    // Two holders of the whole prompt: the one with less wait.
    {
      name: 'several holders',
      ws: [
        [0, 0, 10, 0],
        [0, 0.5, 10, 0],
        [0, 0, 0, 0],
      ],
      want: [1, 0.5, 0],
    },
    // b holds it but spills (12 in flight > 1.5 × mean 4 and > mean + 4): the calm workers instead.
    {
      name: 'the holder spills',
      ws: [
        [0, 0, 0, 0],
        [0, 0, 10, 12],
        [1, 0, 0, 0],
      ],
      want: [1, 0, 0.5],
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const ws = r.ws.map(([waiting, kv], i) =>
        worker('abc'[i]!, { loadReportedAtMs: NOW_MS - 1000, load: { waitingRequests: waiting, kvCacheUsage: kv } }),
      );
      const routed = new RoutedPrefixCache();
      const ledger = new InflightLedger();
      r.ws.forEach(([, , blocks, inflight], i) => {
        if (blocks > 0) routed.recordRouted(ws[i]!.id, hashes.subarray(0, blocks));
        for (let k = 0; k < inflight; k++) ledger.assign(ws[i]!.id, `${i}-${k}`, 10, 1, NOW_MS - 5000);
      });
      const s = new SmgCacheAwareScorer('smg', options, { blockTokens: 16, capacityBlocks: 1000 });
      assert.deepEqual(rounded(s.score(cycle(request(prompt), ws, { routedPrefixes: routed, inflight: ledger }), ws), 3), r.want);
    });

  it("requests sent since a worker's last report count as 1,024 tokens each", () => {
    const ws = [worker('a', { loadReportedAtMs: NOW_MS - 1000 }), worker('b', { loadReportedAtMs: NOW_MS - 1000 })];
    const ledger = new InflightLedger();
    ledger.assign('a', 'old', 10, 1, NOW_MS - 5000); // before a's report: already in its numbers
    ledger.assign('b', 'new', 10, 1, NOW_MS - 500); // after b's: not yet
    const s = new SmgCacheAwareScorer('smg', options, { blockTokens: 16, capacityBlocks: 1000 });
    const c = cycle(request(prompt), ws, { inflight: ledger, routedPrefixes: new RoutedPrefixCache() });
    assert.deepEqual([s.expectedWaitS(c, ws[0]!), s.expectedWaitS(c, ws[1]!)], [0, 0.512]);
  });
});
