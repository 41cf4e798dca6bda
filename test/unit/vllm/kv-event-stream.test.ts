import assert from 'node:assert/strict';
import type { KvEventBatch } from '../../../shared/engine/types.js';
import { KvEventDecodeError, KvEventSubscriber, encodeKvEventBatch, encodeSequence } from '../../../shared/engine/vllm/index.js';
import type { KvEventGap } from '../../../shared/engine/vllm/index.js';

const BATCH: KvEventBatch = { ts: 1, events: [{ type: 'AllBlocksCleared' }], dataParallelRank: null };
const frames = (seq: bigint): Buffer[] => [Buffer.from(''), encodeSequence(seq), encodeKvEventBatch(BATCH)];

function run(seqs: bigint[]): { batches: number; gaps: KvEventGap[] } {
  let batches = 0;
  const gaps: KvEventGap[] = [];
  // Never started: receive() is fed directly, no socket involved.
  const subscriber = new KvEventSubscriber({ endpoint: 'tcp://127.0.0.1:1', onBatch: () => batches++, onGap: (g) => gaps.push(g) });
  for (const seq of seqs) subscriber.receive(frames(seq));
  subscriber.close();
  return { batches, gaps };
}

describe('KvEventSubscriber sequence tracking', () => {
  const rows: Array<{ name: string; seqs: bigint[]; gaps: KvEventGap[] }> = [
    { name: 'contiguous from 0', seqs: [0n, 1n, 2n], gaps: [] },
    // Joining late is not a gap: there is no earlier number to compare with.
    { name: 'first batch not 0', seqs: [41n, 42n], gaps: [] },
    { name: 'two batches lost', seqs: [0n, 1n, 4n, 5n], gaps: [{ expected: 2n, received: 4n, kind: 'missed' }] },
    // vLLM restarted: its count starts again from 0.
    { name: 'publisher restart', seqs: [7n, 8n, 0n, 1n], gaps: [{ expected: 9n, received: 0n, kind: 'reset' }] },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const result = run(row.seqs);
      assert.equal(result.batches, row.seqs.length, 'every batch is still delivered');
      assert.deepEqual(result.gaps, row.gaps);
    });
  }

  const malformed: Array<{ name: string; parts: Buffer[] }> = [
    { name: 'two frames', parts: [Buffer.from(''), encodeSequence(0n)] },
    { name: 'a 4-byte sequence', parts: [Buffer.from(''), Buffer.alloc(4), encodeKvEventBatch(BATCH)] },
    { name: 'a garbage payload', parts: [Buffer.from(''), encodeSequence(0n), Buffer.from([0xc1])] },
  ];
  for (const row of malformed) {
    it(`reports ${row.name} to onError and keeps going`, () => {
      const errors: Error[] = [];
      let batches = 0;
      const subscriber = new KvEventSubscriber({ endpoint: 'tcp://127.0.0.1:1', onBatch: () => batches++, onError: (e) => errors.push(e) });
      subscriber.receive(row.parts);
      subscriber.receive(frames(0n));
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof KvEventDecodeError);
      assert.equal(batches, 1);
    });
  }
});
