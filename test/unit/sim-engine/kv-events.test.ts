import assert from 'node:assert/strict';
import { VirtualClock } from '../../../shared/clock/index.js';
import { SimEngineCore } from '../../../shared/engine/sim/index.js';
import type { KvEventBatch } from '../../../shared/engine/types.js';
import { tokenRange } from './harness.js';

describe('KV event batches', () => {
  it('gathers one batch per engine step, stamped with the step end in seconds', () => {
    const clock = new VirtualClock(1_700_000_000_000); // an epoch-ms start, as RealClock reports
    const core = new SimEngineCore({ clock, seed: 1, dataParallelRank: 0 });
    const batches: KvEventBatch[] = [];
    core.onKvEvents((b) => batches.push(b));
    const finishedAt: number[] = [];
    for (const from of [1, 1000]) {
      core.submit(
        { requestId: `r${from}`, promptTokenIds: tokenRange(from, 40), maxTokens: 30, ignoreEos: true },
        { onFinish: () => finishedAt.push(clock.now()) },
      );
    }
    clock.run();
    // Step 1 stores both prompts' 2 full blocks: one batch, one BlockStored per request.
    const first = batches[0]!;
    assert.equal(first.dataParallelRank, 0);
    assert.deepEqual(
      first.events.map((e) => e.type),
      ['BlockStored', 'BlockStored'],
    );
    assert.ok(first.ts > 1_700_000_000 && first.ts < 1_700_000_001, `${first.ts}`);
    // 40 prompt + 30 outputs = 70 tokens: blocks 3 and 4 fill during decode (tokens 48 and 64), so
    // each request stores 2 more blocks, each with its parent chained, across later steps.
    const stored = batches.flatMap((b) => b.events).filter((e) => e.type === 'BlockStored');
    assert.equal(stored.length, 2 + 4);
    for (const b of batches) assert.ok(b.events.length > 0, 'no empty batches');
    // Batches are in time order and none comes after the last request finished.
    for (let i = 1; i < batches.length; i++) assert.ok(batches[i]!.ts >= batches[i - 1]!.ts);
    assert.ok(batches[batches.length - 1]!.ts * 1000 <= Math.max(...finishedAt));
  });

  it('unsubscribing stops delivery', () => {
    const clock = new VirtualClock();
    const core = new SimEngineCore({ clock });
    let n = 0;
    const off = core.onKvEvents(() => n++);
    off();
    core.submit({ requestId: 'a', promptTokenIds: tokenRange(1, 64), maxTokens: 2, ignoreEos: true }, { onFinish: () => {} });
    clock.run();
    assert.equal(n, 0);
  });
});
