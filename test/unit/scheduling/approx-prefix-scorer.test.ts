import assert from 'node:assert/strict';
import { RoutedPrefixCache, computeBlockHashes } from '../../../shared/scheduling/index.js';
import { ApproxPrefixScorer } from '../../../shared/scheduling/plugins/scorers/approx-prefix-scorer.js';
import { cycle, request, rounded, tokens, worker } from './fixtures.js';

describe('approx-prefix-cache-scorer', () => {
  const ws = [worker('a'), worker('b')];
  const prompt = tokens(64);
  const hashes = computeBlockHashes(prompt, 16);
  const needs = { blockTokens: 16, capacityBlocks: 100 };
  const rows: Array<{
    name: string;
    routed: Array<[string, number]>;
    options?: ConstructorParameters<typeof RoutedPrefixCache>[0];
    want: number[];
  }> = [
    { name: 'nothing routed yet: all 0', routed: [], want: [0, 0] },
    // a saw the whole prompt, b only its first block.
    {
      name: 'full vs one block',
      routed: [
        ['a', 4],
        ['b', 1],
      ],
      want: [1, 0.25],
    },
    {
      name: 'all equal',
      routed: [
        ['a', 4],
        ['b', 4],
      ],
      want: [1, 1],
    },
    // capacity 2 blocks: the LRU keeps the two most recent (blocks 2, 3), so the prefix run from block 0 is 0.
    { name: 'full LRU evicted the prefix head', routed: [['a', 4]], options: { capacityBlocks: 2 }, want: [0, 0] },
    // llm-d's 64-token blocks: 4 scheduler blocks a routed block; the 64-token prompt is one block, and
    // b, routed only its first 16 tokens, holds none of it.
    {
      name: '64-token blocks: whole blocks only',
      routed: [
        ['a', 4],
        ['b', 1],
      ],
      options: { blocksPerEntry: 4 },
      want: [1, 0],
    },
    // A match cap of 2 blocks: the prompt counts as 2 blocks, b's one routed block is half of them.
    {
      name: 'match cap',
      routed: [
        ['a', 4],
        ['b', 1],
      ],
      options: { maxEntries: 2 },
      want: [1, 0.5],
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const routed = new RoutedPrefixCache(r.options ?? {});
      for (const [id, n] of r.routed) routed.recordRouted(id, hashes.subarray(0, n));
      const s = new ApproxPrefixScorer('approx', needs);
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

  it("capacity 'engine' sizes a worker's memory by its reported blocks when first seen", () => {
    const routed = new RoutedPrefixCache({ capacityBlocks: 'engine' });
    routed.recordRouted('a', hashes, 2); // 2 blocks: keeps blocks 2, 3
    routed.recordRouted('a', hashes, 100); // the size was fixed at first sight
    assert.equal(routed.sizeOf('a'), 2);
  });

  it('entries expire after ttlMs (speculative indexing)', () => {
    const routed = new RoutedPrefixCache({ ttlMs: 2000 });
    routed.recordRouted('a', hashes, undefined, 1000);
    assert.equal(routed.matchPrefix(hashes, 2999).get('a'), 4);
    assert.equal(routed.matchPrefix(hashes, 3000).get('a'), undefined);
  });
});
