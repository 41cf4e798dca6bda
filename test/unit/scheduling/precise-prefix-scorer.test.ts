import assert from 'node:assert/strict';
import { PrefixIndex } from '../../../shared/scheduling/index.js';
import { PrecisePrefixScorer } from '../../../shared/scheduling/plugins/scorers/precise-prefix-scorer.js';
import { batch, cycle, engineHashes, request, rounded, stored, tokens, worker } from './fixtures.js';

describe('precise-prefix-cache-scorer', () => {
  const ws = [worker('a'), worker('b'), worker('c')];
  const prompt = tokens(64); // 4 blocks of 16
  /** Index where each worker stores the first n blocks of `prompt` (n from the row). */
  function indexWith(held: Record<string, number>): PrefixIndex {
    const index = new PrefixIndex({ blockSize: 16 });
    for (const [id, n] of Object.entries(held))
      if (n > 0) index.applyEvents(id, 1, batch(stored(engineHashes(id, n), null, prompt.slice(0, n * 16))));
    return index;
  }
  const rows: Array<{ name: string; prompt: number[]; held: Record<string, number>; want: number[] }> = [
    { name: 'empty index: all 0', prompt, held: {}, want: [0, 0, 0] },
    // a holds 4/4 blocks, b 2/4, c none.
    { name: 'full, half, none', prompt, held: { a: 4, b: 2 }, want: [1, 0.5, 0] },
    { name: 'all equal', prompt, held: { a: 4, b: 4, c: 4 }, want: [1, 1, 1] },
    // a 15-token prompt has no full block: nothing is cacheable, so nothing to prefer.
    { name: 'prompt shorter than a block', prompt: tokens(15), held: { a: 4 }, want: [0, 0, 0] },
    // 70 tokens = 4 full blocks + 6 tokens; the partial block is not counted in the denominator.
    { name: 'trailing partial block ignored', prompt: tokens(70), held: { a: 4, b: 1 }, want: [1, 0.25, 0] },
    { name: 'empty prompt', prompt: [], held: { a: 4 }, want: [0, 0, 0] },
  ];
  for (const r of rows)
    it(r.name, () => {
      const s = new PrecisePrefixScorer('prefix');
      const got = s.score(cycle(request(r.prompt), ws, { prefixIndex: indexWith(r.held) }), ws);
      assert.deepEqual(rounded(got), r.want);
    });

  it('a worker holding a later block but not the first scores 0 (prefix must be consecutive)', () => {
    const index = new PrefixIndex({ blockSize: 16 });
    // b's block has a different first block, so its chained hash for block 1 differs from the prompt's.
    index.applyEvents('b', 1, batch(stored(engineHashes('b', 2), null, [...tokens(16, 5000), ...prompt.slice(16, 32)])));
    const got = new PrecisePrefixScorer('p').score(cycle(request(prompt), ws, { prefixIndex: index }), ws);
    assert.deepEqual(rounded(got), [0, 0, 0]);
  });
});
