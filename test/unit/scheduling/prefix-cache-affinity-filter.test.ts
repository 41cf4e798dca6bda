import assert from 'node:assert/strict';
import { InflightLedger, PrefixIndex, RoutedPrefixCache, computeBlockHashes } from '../../../shared/scheduling/index.js';
import { PrefixCacheAffinityFilter } from '../../../shared/scheduling/plugins/filters/prefix-cache-affinity-filter.js';
import { NOW_MS, batch, cycle, engineHashes, request, stored, tokens, worker } from './fixtures.js';

describe('prefix-cache-affinity-filter (llm-d "sticky until saturated")', () => {
  const ws = [worker('a'), worker('b'), worker('c')];
  const prompt = tokens(640); // 10 blocks of 64 tokens, 40 of 16
  const options = { affinityThreshold: 0.8, maxTTFTPenaltyMs: 1000, peakPrefillThroughput: 10_000, explorationProbability: 0 };
  const rows: Array<{ name: string; cached: Record<string, number>; pending?: Record<string, number>; want: string[] }> = [
    { name: 'nobody holds the prefix: keep all', cached: {}, want: ['a', 'b', 'c'] },
    // a holds 32 of 40 blocks of 16 = 8 of 10 blocks of 64: exactly the threshold, sticky.
    { name: 'a holder at the threshold sticks', cached: { a: 32, b: 31 }, want: ['a'] },
    // b's 31 blocks of 16 are only 7 blocks of 64 (0.7): below the threshold.
    { name: 'below the threshold in its own blocks', cached: { b: 31 }, want: ['a', 'b', 'c'] },
    // a's 9,000 pending tokens are 900 ms of prefill, c's 0: 900 ≤ 1,000 ms of penalty, still sticky.
    { name: 'loaded holder within the penalty', cached: { a: 40 }, pending: { a: 9000 }, want: ['a'] },
    // 11,000 tokens: 1,100 ms > 1,000 ms: let go, keep all.
    { name: 'saturated holder lets go', cached: { a: 40 }, pending: { a: 11_000 }, want: ['a', 'b', 'c'] },
    // Two holders: the least loaded of them is what counts against the others.
    { name: 'two holders, one idle', cached: { a: 40, b: 40 }, pending: { a: 50_000 }, want: ['a', 'b'] },
    { name: 'everyone holds it: keep all', cached: { a: 40, b: 40, c: 40 }, want: ['a', 'b', 'c'] },
  ];
  for (const r of rows)
    it(r.name, () => {
      const index = new PrefixIndex();
      for (const [id, n] of Object.entries(r.cached))
        index.applyEvents(id, 1, batch(stored(engineHashes(id, n), null, prompt.slice(0, n * 16))));
      const ledger = new InflightLedger();
      for (const [id, t] of Object.entries(r.pending ?? {})) ledger.assign(id, `x-${id}`, t, 1, NOW_MS);
      const f = new PrefixCacheAffinityFilter('sticky', options, 'precise', undefined, 64, 0);
      const kept = f.filter(cycle(request(prompt), ws, { prefixIndex: index, inflight: ledger, prefixSource: 'precise' }), ws);
      assert.deepEqual(
        kept.map((w) => w.id),
        r.want,
      );
    });

  it('approximate: reads the routing memory in its own blocks', () => {
    const routed = new RoutedPrefixCache({ blocksPerEntry: 4 });
    routed.recordRouted('b', computeBlockHashes(prompt, 16));
    const f = new PrefixCacheAffinityFilter('sticky', options, 'approximate', { blockTokens: 64, capacityBlocks: 'engine' }, 64, 0);
    const kept = f.filter(cycle(request(prompt), ws, { routedPrefixes: routed, inflight: new InflightLedger() }), ws);
    assert.deepEqual(
      kept.map((w) => w.id),
      ['b'],
    );
  });
});
