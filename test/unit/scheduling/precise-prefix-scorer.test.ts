import assert from 'node:assert/strict';
import { ActiveBlockTracker, PrefixIndex, StateKey, computeBlockHashes } from '../../../shared/scheduling/index.js';
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

  describe('pendingPrefixes: prompts routed to a worker and not yet prefilled', () => {
    /** Each worker was routed a prompt made of the first n blocks of `prompt`, or of another prompt (n < 0: |n| blocks of it). */
    function pendingWith(routed: Record<string, number>): ActiveBlockTracker {
      const t = new ActiveBlockTracker();
      for (const [id, n] of Object.entries(routed)) {
        const toks = n >= 0 ? prompt.slice(0, n * 16) : tokens(-n * 16, 9000);
        t.assign(id, `pending-on-${id}`, computeBlockHashes(toks, 16));
      }
      return t;
    }
    const rows: Array<{ name: string; on: boolean; held: Record<string, number>; routed: Record<string, number>; want: number[] }> = [
      // The fixed behaviour: the group's first prompt waits in a's queue, no KV event yet; a follow-up
      // sharing its prefix scored 0 everywhere and went wherever load pointed.
      { name: 'routed to a, not yet prefilled: a scores it', on: true, held: {}, routed: { a: 4 }, want: [1, 0, 0] },
      { name: 'off (the default): routed blocks do not count', on: false, held: {}, routed: { a: 4 }, want: [0, 0, 0] },
      { name: 'routed half on a, reported whole on b', on: true, held: { b: 4 }, routed: { a: 2 }, want: [0.5, 1, 0] },
      { name: 'reported beyond what is routed: the larger counts', on: true, held: { a: 4 }, routed: { a: 2 }, want: [1, 0, 0] },
      { name: 'routed beyond what is reported: the larger counts', on: true, held: { a: 1 }, routed: { a: 3 }, want: [0.75, 0, 0] },
      { name: 'another prompt routed: nothing shared', on: true, held: {}, routed: { a: -4, c: 1 }, want: [0, 0, 0.25] },
    ];
    for (const r of rows)
      it(r.name, () => {
        const s = new PrecisePrefixScorer('prefix', 0, r.on);
        const got = s.score(cycle(request(prompt), ws, { prefixIndex: indexWith(r.held), pendingPrefixes: pendingWith(r.routed) }), ws);
        assert.deepEqual(rounded(got), r.want);
      });

    it('declares the pending-prefix state only when on', () => {
      assert.deepEqual(new PrecisePrefixScorer('p', 0, true).consumes, [StateKey.PrefixIndex, StateKey.PendingPrefixes]);
      assert.deepEqual(new PrecisePrefixScorer('p').consumes, [StateKey.PrefixIndex]);
    });
  });
});
