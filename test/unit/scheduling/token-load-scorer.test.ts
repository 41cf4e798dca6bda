import assert from 'node:assert/strict';
import { InflightLedger, PrefixIndex } from '../../../shared/scheduling/index.js';
import { TokenLoadScorer } from '../../../shared/scheduling/plugins/scorers/token-load-scorer.js';
import { NOW_MS, batch, cycle, engineHashes, request, rounded, stored, tokens, worker } from './fixtures.js';

describe('token-load-scorer (llm-d)', () => {
  const ws = [worker('a'), worker('b'), worker('c')];
  const prompt = tokens(160); // 10 blocks
  // score = 1 − min(pending + uncached, threshold) / threshold; threshold 1,000 here for readable numbers.
  const rows: Array<{ name: string; cached: Record<string, number>; pending: Record<string, number>; want: number[] }> = [
    // No load, no cache: every worker would compute 160 tokens -> 0.84 each.
    { name: 'all equal', cached: {}, pending: {}, want: [0.84, 0.84, 0.84] },
    // a holds all 10 blocks: nothing left for it to compute -> 1.
    { name: 'cache lowers the load', cached: { a: 10 }, pending: {}, want: [1, 0.84, 0.84] },
    // b has 500 tokens in flight: 660 -> 0.34; c 2,000: past the threshold -> 0.
    { name: 'in-flight tokens add up, capped at the threshold', cached: {}, pending: { b: 500, c: 2000 }, want: [0.84, 0.34, 0] },
  ];
  for (const r of rows)
    it(r.name, () => {
      const index = new PrefixIndex();
      for (const [id, n] of Object.entries(r.cached))
        index.applyEvents(id, 1, batch(stored(engineHashes(id, n), null, prompt.slice(0, n * 16))));
      const ledger = new InflightLedger();
      for (const [id, t] of Object.entries(r.pending)) ledger.assign(id, `x-${id}`, t, 1, NOW_MS);
      const got = new TokenLoadScorer('load', 1000).score(
        cycle(request(prompt), ws, { prefixIndex: index, inflight: ledger, prefixSource: 'precise' }),
        ws,
      );
      assert.deepEqual(rounded(got, 2), r.want);
    });
});
