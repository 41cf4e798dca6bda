import assert from 'node:assert/strict';
import { BlockHashTable, computeBlockHashes, seededRandom } from '../../../shared/scheduling/index.js';
import { tokens } from './fixtures.js';

describe('BlockHashTable', () => {
  it('behaves like a Map under random set/delete, across growth and backward-shift deletes', () => {
    const table = new BlockHashTable(4);
    const ref = new Map<number, number>();
    const rng = seededRandom(9);
    const keys = Array.from(computeBlockHashes(tokens(16 * 3000), 16));
    // Colliding low bits on purpose: keys differing only above bit 32 land in the same home slot.
    for (let i = 0; i < 200; i++) keys.push(i * 2 ** 33 + 7);
    for (let step = 0; step < 40_000; step++) {
      const k = keys[Math.floor(rng() * keys.length)]!;
      if (rng() < 0.6) {
        table.set(k, step);
        ref.set(k, step);
      } else assert.equal(table.delete(k), ref.delete(k));
    }
    assert.equal(table.size, ref.size);
    for (const k of keys) assert.equal(table.get(k), ref.get(k));
    let n = 0;
    table.forEach((v, k) => {
      assert.equal(ref.get(k), v);
      n++;
    });
    assert.equal(n, ref.size);
    table.clear();
    assert.equal(table.size, 0);
    assert.equal(table.get(keys[0]!), undefined);
  });

  it('add() keeps reference counts like a Map of counts, deleting an entry at 0', () => {
    const table = new BlockHashTable(4);
    const ref = new Map<number, number>();
    const rng = seededRandom(3);
    const keys = Array.from(computeBlockHashes(tokens(16 * 500), 16));
    for (let i = 0; i < 50; i++) keys.push(i * 2 ** 33 + 5);
    for (let step = 0; step < 20_000; step++) {
      const k = keys[Math.floor(rng() * keys.length)]!;
      const delta = rng() < 0.55 ? 1 : -1;
      const before = ref.get(k) ?? 0;
      const expected = before + delta;
      if (expected > 0) ref.set(k, expected);
      else ref.delete(k);
      // An absent key decremented stays absent (the result, -1, is not stored).
      assert.equal(table.add(k, delta), expected);
    }
    assert.equal(table.size, ref.size);
    for (const k of keys) assert.equal(table.get(k), ref.get(k));
  });
});
