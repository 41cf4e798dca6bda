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
