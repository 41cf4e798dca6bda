import assert from 'node:assert/strict';
import { RoutedPrefixCache, computeBlockHashes } from '../../../shared/scheduling/index.js';
import { ApproxPrefixScorer } from '../../../shared/scheduling/plugins/scorers/approx-prefix-scorer.js';
import { cycle, request, rounded, tokens, worker } from './fixtures.js';

describe('approx-prefix-cache-scorer', () => {
  const ws = [worker('a'), worker('b')];
  const prompt = tokens(64);
  const hashes = computeBlockHashes(prompt, 16);
  const rows: Array<{ name: string; routed: Array<[string, number]>; capacity?: number; want: number[] }> = [
    { name: 'nothing routed yet: all 0', routed: [], want: [0, 0] },
    // a saw the whole prompt, b only its first block.
    { name: 'full vs one block', routed: [['a', 4], ['b', 1]], want: [1, 0.25] },
    { name: 'all equal', routed: [['a', 4], ['b', 4]], want: [1, 1] },
    // capacity 2 blocks: the LRU keeps the two most recent (blocks 2, 3), so the prefix run from block 0 is 0.
    { name: 'full LRU evicted the prefix head', routed: [['a', 4]], capacity: 2, want: [0, 0] },
  ];
  for (const r of rows)
    it(r.name, () => {
      const routed = new RoutedPrefixCache(r.capacity ? { capacityBlocks: r.capacity } : {});
      for (const [id, n] of r.routed) routed.recordRouted(id, hashes.subarray(0, n));
      const s = new ApproxPrefixScorer('approx', 100);
      assert.deepEqual(rounded(s.score(cycle(request(prompt), ws, { routedPrefixes: routed }), ws)), r.want);
    });

  it('RoutedPrefixCache.recordRouted refreshes recency', () => {
    const routed = new RoutedPrefixCache({ capacityBlocks: 4 });
    routed.recordRouted('a', hashes); // blocks 0..3
    routed.recordRouted('a', hashes.subarray(0, 1)); // block 0 becomes most recent
    routed.recordRouted('a', computeBlockHashes(tokens(16, 9000), 16)); // evicts the least recent: block 1
    assert.equal(routed.matchPrefix(hashes).get('a'), 1);
    assert.equal(routed.sizeOf('a'), 4);
  });
});
