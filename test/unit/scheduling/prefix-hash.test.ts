import assert from 'node:assert/strict';
import { chainBlockHash, computeBlockHashes, ROOT_PARENT_HASH } from '../../../shared/scheduling/index.js';
import { tokens } from './fixtures.js';

describe('prefix-hash', () => {
  it('hashes only full blocks', () => {
    const rows = [
      { n: 0, blocks: 0 },
      { n: 15, blocks: 0 },
      { n: 16, blocks: 1 },
      { n: 8000, blocks: 500 },
    ];
    for (const r of rows) assert.equal(computeBlockHashes(tokens(r.n), 16).length, r.blocks, `${r.n} tokens`);
  });

  // computeBlockHashes is an unrolled chain of chainBlockHash (the prefix index chains the engines' events
  // with the latter): both must give the same values, or cached prompts would never match.
  const chains: Array<[string, number[], number]> = [
    ['small ids, 16-token blocks', tokens(16 * 40), 16],
    ['ids up to 2^32 - 1', Array.from({ length: 16 * 30 }, (_, i) => (i * 2654435761) % 4294967296), 16],
    ['1-token blocks', tokens(50, 7), 1],
    ['64-token blocks with a partial tail', tokens(64 * 5 + 10, 3), 64],
  ];
  for (const [name, ids, bs] of chains) {
    it(`equals chained chainBlockHash: ${name}`, () => {
      const expected: number[] = [];
      let parent = ROOT_PARENT_HASH;
      for (let b = 0; b + 1 <= Math.floor(ids.length / bs); b++) expected.push((parent = chainBlockHash(parent, ids, b * bs, bs)));
      assert.deepEqual([...computeBlockHashes(ids, bs)], expected);
    });
  }

  it('is chained: the same block after a different prefix hashes differently', () => {
    const x = computeBlockHashes([...tokens(16, 0), ...tokens(16, 100)], 16);
    const y = computeBlockHashes([...tokens(16, 50), ...tokens(16, 100)], 16);
    assert.notEqual(x[1], y[1]);
    assert.equal(x[1], chainBlockHash(x[0]!, tokens(16, 100), 0, 16));
  });

  it('is deterministic, 53-bit safe, and distinct over many blocks', () => {
    const h = computeBlockHashes(tokens(16 * 20000), 16);
    assert.deepEqual(h, computeBlockHashes(tokens(16 * 20000), 16));
    const seen = new Set<number>();
    for (const v of h) {
      assert.ok(Number.isSafeInteger(v) && v >= 0);
      seen.add(v);
    }
    assert.equal(seen.size, 20000);
    assert.notEqual(chainBlockHash(ROOT_PARENT_HASH, tokens(16), 0, 16), chainBlockHash(ROOT_PARENT_HASH, tokens(16, 1), 0, 16));
  });
});
