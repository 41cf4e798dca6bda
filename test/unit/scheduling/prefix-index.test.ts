import assert from 'node:assert/strict';
import type { KvCacheEvent } from '../../../shared/engine/types.js';
import { PrefixIndex } from '../../../shared/scheduling/index.js';
import { batch, engineHashes, removed, stored, tokens } from './fixtures.js';

const prompt = tokens(64); // 4 blocks
const B = (i: number) => prompt.slice(i * 16, (i + 1) * 16);
const range = (from: number, to: number) => prompt.slice(from * 16, to * 16);

interface Step {
  readonly worker: string;
  readonly seq: number;
  readonly events: KvCacheEvent[];
  /** Expected resyncNeeded. */
  readonly resync?: boolean;
}

describe('PrefixIndex', () => {
  const rows: Array<{ name: string; steps: Step[]; match: Record<string, number>; distinct: number }> = [
    { name: 'empty index', steps: [], match: {}, distinct: 0 },
    {
      name: 'store a whole prompt',
      steps: [{ worker: 'a', seq: 1, events: [stored(engineHashes('a', 4), null, prompt)] }],
      match: { a: 4 },
      distinct: 4,
    },
    {
      // engine hashes differ per worker (different seeds); our chained hashes coincide: 4 distinct blocks.
      name: 'two engines, different hash seeds, same blocks',
      steps: [
        { worker: 'a', seq: 1, events: [stored(engineHashes('a', 4), null, prompt)] },
        { worker: 'b', seq: 7, events: [stored(engineHashes('zz', 4), null, prompt)] },
      ],
      match: { a: 4, b: 4 },
      distinct: 4,
    },
    {
      // the second store names its parent by the engine's hash; we chain on our hash of that parent.
      name: 'store chained across batches via engine parent hash',
      steps: [
        { worker: 'a', seq: 1, events: [stored(['e0', 'e1'], null, range(0, 2))] },
        { worker: 'a', seq: 2, events: [stored(['e2', 'e3'], 'e1', range(2, 4))] },
      ],
      match: { a: 4 },
      distinct: 4,
    },
    {
      name: 'remove a middle block cuts the prefix there',
      steps: [
        { worker: 'a', seq: 1, events: [stored(engineHashes('a', 4), null, prompt)] },
        { worker: 'a', seq: 2, events: [removed(['a-2'])] },
      ],
      match: { a: 2 },
      distinct: 3,
    },
    {
      // vLLM may cache two physical copies of a block (two requests computed it at once) and announces
      // each; evicting one copy leaves the block cached, so the prefix still matches in full.
      name: 'evicting one of two copies of a block keeps it',
      steps: [
        { worker: 'a', seq: 1, events: [stored(engineHashes('a', 4), null, prompt)] },
        { worker: 'a', seq: 2, events: [stored(['a-2', 'a-3'], 'a-1', range(2, 4))] },
        { worker: 'a', seq: 3, events: [removed(['a-2'])] },
        // a later store chaining on the still-cached copy is no unknown parent
        { worker: 'a', seq: 4, events: [stored(['a-3'], 'a-2', range(3, 4))] },
      ],
      match: { a: 4 },
      distinct: 4,
    },
    {
      name: 'evicting the last copy forgets the block',
      steps: [
        { worker: 'a', seq: 1, events: [stored(engineHashes('a', 4), null, prompt)] },
        { worker: 'a', seq: 2, events: [stored(['a-2'], 'a-1', range(2, 3))] },
        { worker: 'a', seq: 3, events: [removed(['a-2'])] },
        { worker: 'a', seq: 4, events: [removed(['a-2'])] },
      ],
      match: { a: 2 },
      distinct: 3,
    },
    {
      name: 'remove of an unknown engine hash is ignored',
      steps: [
        { worker: 'a', seq: 1, events: [stored(engineHashes('a', 4), null, prompt)] },
        { worker: 'a', seq: 2, events: [removed(['nope'])] },
      ],
      match: { a: 4 },
      distinct: 4,
    },
    {
      name: 'AllBlocksCleared empties that worker only',
      steps: [
        { worker: 'a', seq: 1, events: [stored(engineHashes('a', 4), null, prompt)] },
        { worker: 'b', seq: 1, events: [stored(engineHashes('b', 2), null, range(0, 2))] },
        { worker: 'a', seq: 2, events: [{ type: 'AllBlocksCleared' }] },
      ],
      match: { b: 2 },
      distinct: 2,
    },
    {
      // seq 1 then 3: batch 2 was missed. a's entries are dropped; batch 3 is applied (its store has no parent).
      name: 'sequence gap: drop and resync',
      steps: [
        { worker: 'a', seq: 1, events: [stored(engineHashes('a', 4), null, prompt)] },
        { worker: 'a', seq: 3, events: [stored(['n0'], null, B(0))], resync: true },
      ],
      match: { a: 1 },
      distinct: 1,
    },
    {
      name: 'sequence going backwards (engine restart): drop and resync',
      steps: [
        { worker: 'a', seq: 10, events: [stored(engineHashes('a', 4), null, prompt)] },
        { worker: 'a', seq: 0, events: [], resync: true },
      ],
      match: {},
      distinct: 0,
    },
    {
      name: 'redelivered batch (same seq) is ignored',
      steps: [
        { worker: 'a', seq: 1, events: [stored(engineHashes('a', 2), null, range(0, 2))] },
        { worker: 'a', seq: 1, events: [removed(['a-0'])] },
      ],
      match: { a: 2 },
      distinct: 2,
    },
    {
      // parent 'x' was never stored: we missed its BlockStored, so our view of a is wrong.
      name: 'unknown parent: drop and resync',
      steps: [
        { worker: 'a', seq: 1, events: [stored(engineHashes('a', 2), null, range(0, 2))] },
        { worker: 'a', seq: 2, events: [stored(['y'], 'x', B(2))], resync: true },
      ],
      match: {},
      distinct: 0,
    },
    {
      name: 'engine block size differs: store skipped',
      steps: [{ worker: 'a', seq: 1, events: [stored(['a-0'], null, range(0, 2), 32)] }],
      match: {},
      distinct: 0,
    },
    {
      // two engine hashes for the same block on one worker (e.g. LoRA ids): removing one keeps the block.
      name: 'duplicate engine hashes for one block are reference counted',
      steps: [
        { worker: 'a', seq: 1, events: [stored(['h1'], null, B(0)), stored(['h2'], null, B(0))] },
        { worker: 'a', seq: 2, events: [removed(['h1'])] },
      ],
      match: { a: 1 },
      distinct: 1,
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const index = new PrefixIndex({ blockSize: 16 });
      for (const s of r.steps) assert.equal(index.applyEvents(s.worker, s.seq, batch(...s.events)).resyncNeeded, s.resync ?? false);
      assert.deepEqual(Object.fromEntries(index.matchPrefix(index.blockHashes(prompt))), r.match);
      assert.equal(index.stats().distinctBlocks, r.distinct);
    });

  it('removeWorker forgets one worker and frees its slot for the next', () => {
    const index = new PrefixIndex();
    index.applyEvents('a', 1, batch(stored(engineHashes('a', 4), null, prompt)));
    index.applyEvents('b', 1, batch(stored(engineHashes('b', 4), null, prompt)));
    index.removeWorker('a');
    assert.deepEqual(Object.fromEntries(index.matchPrefix(index.blockHashes(prompt))), { b: 4 });
    index.applyEvents('c', 1, batch(stored(engineHashes('c', 1), null, B(0))));
    assert.deepEqual(Object.fromEntries(index.matchPrefix(index.blockHashes(prompt))), { b: 4, c: 1 });
    assert.deepEqual(index.workerIds().sort(), ['b', 'c']);
  });

  it('holds more than 64 workers (mask grows)', () => {
    const index = new PrefixIndex();
    for (let w = 0; w < 100; w++)
      index.applyEvents(`w${w}`, 1, batch(stored(engineHashes(`w${w}`, 1 + (w % 4)), null, range(0, 1 + (w % 4)))));
    const m = index.matchPrefix(index.blockHashes(prompt));
    assert.equal(m.size, 100);
    for (let w = 0; w < 100; w++) assert.equal(m.get(`w${w}`), 1 + (w % 4));
  });

  it('export then import into a fresh index gives the same matches and keeps applying events', () => {
    const src = new PrefixIndex();
    src.applyEvents('a', 5, batch(stored(engineHashes('a', 4), null, prompt)));
    const snapshot = src.exportOwnership('a')!;
    assert.equal(snapshot.lastSeq, 5);
    const copy = JSON.parse(JSON.stringify(snapshot)); // as persisted in a KV bucket
    const dst = new PrefixIndex();
    dst.importOwnership(copy);
    assert.deepEqual(Object.fromEntries(dst.matchPrefix(dst.blockHashes(prompt))), { a: 4 });
    // seq 5 is already in the snapshot: skipped, the removal in it is not applied.
    assert.equal(dst.applyEvents('a', 5, batch(removed(['a-0']))).resyncNeeded, false);
    assert.equal(dst.matchPrefix(dst.blockHashes(prompt)).get('a'), 4);
    // seq 9: the first batch after the snapshot is accepted; engine hashes still map to ours.
    assert.equal(dst.applyEvents('a', 9, batch(removed(['a-3']))).resyncNeeded, false);
    assert.equal(dst.matchPrefix(dst.blockHashes(prompt)).get('a'), 3);
    // and from then on sequence numbers are checked again.
    assert.equal(dst.applyEvents('a', 11, batch()).resyncNeeded, true);
  });

  it('import rejects a snapshot of another block size', () => {
    const index = new PrefixIndex({ blockSize: 16 });
    assert.throws(
      () => index.importOwnership({ workerId: 'a', blockSize: 32, lastSeq: 1, engineHashDigests: [], blockHashes: [] }),
      /block size 32/,
    );
  });
});
