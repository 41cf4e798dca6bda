import assert from 'node:assert/strict';
import { computeBlockHashes, seededRandom } from '../../../shared/scheduling/index.js';
import { BlockOwners } from '../../../shared/scheduling/state/block-owners.js';
import { tokens } from './fixtures.js';

/** matchPrefix of a reference Map<hash, Set<slot>>: slot -> leading blocks held in a row. */
function refMatch(ref: Map<number, Set<number>>, hashes: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  const first = ref.get(hashes[0]!);
  if (!first) return out;
  for (const slot of first) {
    let n = 0;
    while (n < hashes.length && ref.get(hashes[n]!)?.has(slot)) n++;
    out.set(slot, n);
  }
  return out;
}

describe('BlockOwners', () => {
  for (const slots of [8, 64, 130]) {
    it(`behaves like a Map of slot sets under random add/remove, across growth and backward-shift deletes (${slots} slots)`, () => {
      const owners = new BlockOwners(4);
      const ref = new Map<number, Set<number>>();
      const rng = seededRandom(slots);
      const keys = Array.from(computeBlockHashes(tokens(16 * 400), 16));
      // Colliding low bits on purpose: keys differing only above bit 32 land in the same home slot.
      for (let i = 0; i < 100; i++) keys.push(i * 2 ** 33 + 7);
      // Start with few slots and widen mid-run (the mask words grow), as workers register.
      owners.ensureSlots(Math.min(slots, 16));
      for (let step = 0; step < 30_000; step++) {
        if (step === 10_000) owners.ensureSlots(slots);
        const span = step < 10_000 ? Math.min(slots, 16) : slots;
        const k = keys[Math.floor(rng() * keys.length)]!;
        const slot = Math.floor(rng() * span);
        if (rng() < 0.6) {
          const set = ref.get(k) ?? new Set<number>();
          assert.equal(owners.add(k, slot), !set.has(slot));
          set.add(slot);
          ref.set(k, set);
        } else {
          owners.remove(k, slot);
          const set = ref.get(k);
          set?.delete(slot);
          if (set?.size === 0) ref.delete(k);
        }
      }
      assert.equal(owners.size, ref.size);
      // Prefixes: runs of consecutive keys, each block stored on some slots.
      for (let start = 0; start < 400; start += 37) {
        const hashes = keys.slice(start, start + 50);
        const got = new Map<number, number>();
        owners.matchPrefix(hashes, (slot, blocks) => got.set(slot, blocks));
        assert.deepEqual(
          [...got].sort((a, b) => a[0] - b[0]),
          [...refMatch(ref, hashes)].sort((a, b) => a[0] - b[0]),
        );
      }
    });
  }

  it('matches a stored chain to its end and stops at the first block a slot lacks', () => {
    const owners = new BlockOwners();
    owners.ensureSlots(64);
    const hashes = Array.from(computeBlockHashes(tokens(16 * 10), 16));
    for (const h of hashes) owners.add(h, 63);
    for (const h of hashes.slice(0, 4)) owners.add(h, 2);
    owners.remove(hashes[6]!, 63);
    const got = new Map<number, number>();
    owners.matchPrefix(hashes, (slot, blocks) => got.set(slot, blocks));
    assert.deepEqual(
      got,
      new Map([
        [2, 4],
        [63, 6],
      ]),
    );
    assert.equal(owners.size, 9);
  });
});
