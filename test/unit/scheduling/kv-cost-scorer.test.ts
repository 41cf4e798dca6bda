import assert from 'node:assert/strict';
import { ActiveBlockTracker, InflightLedger, PrefixIndex, computeBlockHashes } from '../../../shared/scheduling/index.js';
import { KvCostScorer } from '../../../shared/scheduling/plugins/scorers/kv-cost-scorer.js';
import { NOW_MS, batch, cycle, engineHashes, request, rounded, stored, tokens, worker } from './fixtures.js';

describe('kv-cost-scorer (Dynamo cost)', () => {
  const ws = [worker('a'), worker('b'), worker('c')];
  const prompt = tokens(160); // 10 blocks
  const rows: Array<{
    name: string;
    weight: number;
    cached: Record<string, number>;
    inflight: Array<[string, number]>;
    costs: number[];
    want: number[];
  }> = [
    // No cache, no load: every worker costs 10 prefill + 10 decode blocks -> all equal -> 1.
    { name: 'all equal', weight: 1, cached: {}, inflight: [], costs: [20, 20, 20], want: [1, 1, 1] },
    // a holds 8 blocks: prefill 2 -> cost 12; b 0 -> 20; c 4 -> 16. Score = (20 - cost)/(20 - 12).
    { name: 'cache overlap lowers cost', weight: 1, cached: { a: 8, c: 4 }, inflight: [], costs: [12, 20, 16], want: [1, 0, 0.5] },
    // a also has 320 in-flight prompt tokens (20 blocks pending prefill and 20 active): cost 12+20+20 = 52.
    { name: 'load outweighs cache', weight: 1, cached: { a: 8, c: 4 }, inflight: [['a', 320]], costs: [52, 20, 16], want: [0, 0.89, 1] },
    // weight 0: prefix ignored, pure load (decode blocks) -> all 10.
    { name: 'overlap weight 0 = load only', weight: 0, cached: { a: 8 }, inflight: [], costs: [10, 10, 10], want: [1, 1, 1] },
  ];
  for (const r of rows)
    it(r.name, () => {
      const index = new PrefixIndex();
      for (const [id, n] of Object.entries(r.cached))
        index.applyEvents(id, 1, batch(stored(engineHashes(id, n), null, prompt.slice(0, n * 16))));
      const ledger = new InflightLedger();
      const active = new ActiveBlockTracker();
      r.inflight.forEach(([id, t], i) => {
        ledger.assign(id, `x${i}`, t, 0, NOW_MS);
        active.assign(id, `x${i}`, computeBlockHashes(tokens(t, 50_000 + 1000 * i), 16)); // blocks of another prompt
      });
      const s = new KvCostScorer('cost', r.weight);
      const c = cycle(request(prompt), ws, { prefixIndex: index, inflight: ledger, activeBlocks: active });
      assert.deepEqual(rounded(s.costs(c, ws)), r.costs);
      assert.deepEqual(rounded(s.score(c, ws), 2), r.want);
    });

  it('with an ActiveBlockTracker, blocks shared with requests in flight count once (Dynamo dedup)', () => {
    const active = new ActiveBlockTracker();
    // a runs one request with the same 10-block prompt; b one with an unrelated 10-block prompt.
    active.assign('a', 'x1', computeBlockHashes(prompt, 16));
    active.assign('b', 'x2', computeBlockHashes(tokens(160, 9000), 16));
    const c = cycle(request(prompt), ws, { activeBlocks: active });
    // prefill 10 blocks everywhere (no cache index); decode: a 10 active + 10 new − 10 shared = 10,
    // b 10 + 10 = 20, c 0 + 10 = 10 -> costs 20, 30, 20.
    assert.deepEqual(rounded(new KvCostScorer('cost', 1).costs(c, ws)), [20, 30, 20]);
    active.finish('x1');
    assert.equal(active.activeBlocks('a'), 0);
    assert.equal(active.activePrefix('a', computeBlockHashes(prompt, 16)), 0);
  });
});
