import assert from 'node:assert/strict';
import { InflightLedger, RoutedPrefixCache, computeBlockHashes } from '../../../shared/scheduling/index.js';
import { SglangCacheAwareScorer } from '../../../shared/scheduling/plugins/scorers/sglang-cache-aware-scorer.js';
import { NOW_MS, cycle, request, rounded, tokens, worker } from './fixtures.js';

describe('sglang-cache-aware-scorer', () => {
  const ws = [worker('a'), worker('b'), worker('c')];
  const prompt = tokens(160); // 10 blocks
  const hashes = computeBlockHashes(prompt, 16);
  const other = computeBlockHashes(tokens(160, 5000), 16);
  const rows: Array<{ name: string; loads: number[]; routed: Array<[string, Float64Array]>; want: number[] }> = [
    // balanced, nothing routed: every tree is empty -> smallest tree tie -> all 1.
    { name: 'empty: all equal', loads: [0, 0, 0], routed: [], want: [1, 1, 1] },
    // balanced, a matched 8/10 = 0.8 > 0.5 -> match rates decide.
    { name: 'balanced, match above threshold', loads: [5, 0, 0], routed: [['a', hashes.subarray(0, 8)], ['b', hashes.subarray(0, 2)]], want: [0.8, 0.2, 0] },
    // balanced, best match 3/10 = 0.3 ≤ 0.5 -> smallest tree: a 3 blocks, b 10 (other prompt), c 0.
    { name: 'balanced, weak match: smallest tree', loads: [0, 0, 0], routed: [['a', hashes.subarray(0, 3)], ['b', other]], want: [0.7, 0, 1] },
    // imbalanced: max-min = 40 > 32 and 40 > 1.0001×0 -> shortest queue, whatever the cache says.
    { name: 'imbalanced: shortest queue', loads: [40, 20, 0], routed: [['a', hashes]], want: [0, 0.5, 1] },
    // difference 32 is not > 32: still balanced, so the full match on a wins.
    { name: 'difference at threshold stays balanced', loads: [32, 0, 0], routed: [['a', hashes]], want: [1, 0, 0] },
  ];
  for (const r of rows)
    it(r.name, () => {
      const ledger = new InflightLedger();
      r.loads.forEach((n, w) => {
        for (let i = 0; i < n; i++) ledger.assign(ws[w]!.id, `${w}-${i}`, 10, 10, NOW_MS);
      });
      const routed = new RoutedPrefixCache();
      for (const [id, h] of r.routed) routed.recordRouted(id, h);
      const s = new SglangCacheAwareScorer('sglang', 0.5, 32, 1.0001, 1000);
      assert.deepEqual(rounded(s.score(cycle(request(prompt), ws, { inflight: ledger, routedPrefixes: routed }), ws)), r.want);
    });
});
