import assert from 'node:assert/strict';
import { InflightLedger, PrefixIndex } from '../../../shared/scheduling/index.js';
import { TtftEstimateScorer, ttftEstimateScorerFactory } from '../../../shared/scheduling/plugins/scorers/ttft-estimate-scorer.js';
import { PluginParams } from '../../../shared/scheduling/config/params.js';
import { NOW_MS, batch, cycle, engineHashes, request, rounded, stored, tokens, worker } from './fixtures.js';

describe('ttft-estimate-scorer', () => {
  const ws = [worker('a'), worker('b'), worker('c')];
  const prompt = tokens(4096); // 256 blocks
  // cost = pending prefill tokens + uncached tokens (+ decodeTokenWeight × (prompt + max new) in flight);
  // score = (min + slack) / (cost + slack), slack 2048 unless the row says otherwise.
  const rows: Array<{
    name: string;
    cachedOnA: number; // blocks of the prompt cached on a
    assigned: Array<[string, number, number]>; // [worker, prompt tokens, uncached tokens]
    prefilled?: string[];
    decodeTokenWeight?: number;
    want: number[];
  }> = [
    // Idle fleet, nothing cached: every cost is 4096, all score 1.
    { name: 'idle, uncached everywhere: tie', cachedOnA: 0, assigned: [], want: [1, 1, 1] },
    // a holds 192 of 256 blocks: a's cost 1024, others 4096 -> (1024+2048)/(4096+2048) = 0.5 for b, c.
    { name: 'idle, cache hit on a: a cheapest', cachedOnA: 192, assigned: [], want: [1, 0.5, 0.5] },
    // Same hit, but a has 8000 uncached tokens queued: a 9024, b/c 4096 -> a (4096+2048)/(9024+2048) = 0.5549.
    { name: 'cache hit behind a long queue loses', cachedOnA: 192, assigned: [['a', 8000, 8000]], want: [0.5549, 1, 1] },
    // The queued request on a already had its first token: no pending prefill, a is cheapest again.
    { name: 'prefilled requests no longer queue', cachedOnA: 192, assigned: [['a', 8000, 8000]], prefilled: ['q0'], want: [1, 0.5, 0.5] },
    // Only uncached tokens of queued requests count: 8000-token prompt with 7000 cached queues 1000 on b:
    // a 1024, b 5096, c 4096 -> b (3072)/(7144) = 0.43, c 3072/6144 = 0.5.
    { name: 'queued work counts uncached tokens only', cachedOnA: 192, assigned: [['b', 8000, 1000]], want: [1, 0.43, 0.5] },
    // decodeTokenWeight 0.1: b carries 8000 + 64 in-flight context -> +806.4 tokens of cost, prefilled so no
    // pending: a 4096, b 4902.4, c 4096 -> b 6144/6950.4 = 0.884.
    {
      name: 'decode load weighs when asked',
      cachedOnA: 0,
      assigned: [['b', 8000, 8000]],
      prefilled: ['q0'],
      decodeTokenWeight: 0.1,
      want: [1, 0.884, 1],
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const index = new PrefixIndex();
      if (r.cachedOnA > 0)
        index.applyEvents('a', 1, batch(stored(engineHashes('a', r.cachedOnA), null, prompt.slice(0, r.cachedOnA * 16))));
      const ledger = new InflightLedger();
      r.assigned.forEach(([w, t, u], i) => ledger.assign(w, `q${i}`, t, 64, NOW_MS, u));
      for (const id of r.prefilled ?? []) ledger.markPrefilled(id);
      const s = new TtftEstimateScorer('ttft', 2048, r.decodeTokenWeight ?? 0);
      assert.deepEqual(
        rounded(s.score(cycle(request(prompt), ws, { inflight: ledger, prefixIndex: index }), ws), 3),
        r.want.map((x) => Number(x.toFixed(3))),
      );
    });

  it('factory: defaults and rejects a non-positive slack', () => {
    const s = ttftEstimateScorerFactory.create('t', new PluginParams('t', {})) as TtftEstimateScorer;
    assert.equal(s.slackTokens, 2048);
    assert.equal(s.decodeTokenWeight, 0);
    assert.throws(() => ttftEstimateScorerFactory.create('t', new PluginParams('t', { slackTokens: 0 })), /slackTokens/);
  });
});
