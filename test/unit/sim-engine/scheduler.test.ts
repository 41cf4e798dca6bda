import assert from 'node:assert/strict';
import { noneHash } from '../../../shared/engine/sim/index.js';
import { KvCache } from '../../../shared/engine/sim/kv-cache.js';
import { OutputTokenStream } from '../../../shared/engine/sim/output-tokens.js';
import { SimRequest } from '../../../shared/engine/sim/sim-request.js';
import { RemotePull, StepScheduler } from '../../../shared/engine/sim/step-scheduler.js';
import { harness, scrapeVllmMetrics, tokenRange } from './harness.js';

function setup(numGpuBlocks: number, maxNumBatchedTokens: number, maxNumSeqs = 256) {
  const kv = new KvCache(numGpuBlocks, 16, () => {});
  const scheduler = new StepScheduler(
    kv,
    { maxNumSeqs, maxNumBatchedTokens },
    () => RemotePull.Ready,
    () => 0,
  );
  const make = (id: string, promptLen: number, from = 1): SimRequest =>
    new SimRequest(id, tokenRange(from, promptLen), 100, true, new OutputTokenStream(0, [], true), 0, 16, noneHash(0), undefined);
  return { kv, scheduler, make };
}

/** What the engine does after a step: every request whose KV is complete gets its next token. */
function emitTokens(scheduler: StepScheduler): void {
  for (const r of scheduler.running) if (r.numComputedTokens === r.numTokens) r.appendToken(42);
}

describe('StepScheduler (vLLM v1 schedule())', () => {
  it('chunked prefill never exceeds the token budget and decodes go first', () => {
    const { scheduler, make } = setup(1000, 512);
    const a = make('a', 1300);
    const b = make('b', 100, 5000);
    scheduler.add(a);
    scheduler.add(b);
    const perStep: [string, number][][] = [];
    for (let i = 0; i < 5; i++) {
      const step = scheduler.schedule();
      const total = step.entries.reduce((s, e) => s + e.numTokens, 0);
      assert.ok(total <= 512, `step ${i} scheduled ${total} tokens`);
      perStep.push(step.entries.map((e) => [e.request.requestId, e.numTokens]));
      emitTokens(scheduler);
    }
    // a's 1300 prompt tokens take 512 + 512 + 276; b waits FIFO behind a until budget is left over.
    assert.deepEqual(perStep, [
      [['a', 512]],
      [['a', 512]],
      [
        ['a', 276],
        ['b', 100],
      ],
      [
        ['a', 1],
        ['b', 1],
      ], // both decoding: running requests first, one token each
      [
        ['a', 1],
        ['b', 1],
      ],
    ]);
  });

  it('respects max_num_seqs', () => {
    const { scheduler, make } = setup(1000, 8192, 2);
    for (const id of ['a', 'b', 'c']) scheduler.add(make(id, 10, id.charCodeAt(0) * 100));
    const step = scheduler.schedule();
    assert.deepEqual(
      step.entries.map((e) => e.request.requestId),
      ['a', 'b'],
    );
    assert.equal(scheduler.waiting.length, 1);
  });

  it('when blocks run out, preempts the most recently scheduled running request to the front of the queue', () => {
    // 6 usable blocks of 16 tokens. a and b take 3 blocks each (32 prompt tokens + room for the first token).
    const { kv, scheduler, make } = setup(7, 8192);
    const a = make('a', 47);
    const b = make('b', 47, 500);
    scheduler.add(a);
    scheduler.add(b);
    scheduler.schedule();
    emitTokens(scheduler); // both now have 48 tokens: 3 full blocks, KV for 47
    assert.equal(kv.pool.numFreeBlocks, 0);
    scheduler.schedule(); // decode token 48 fits in block 3
    emitTokens(scheduler); // 49 tokens: the next decode needs a 4th block each
    const step = scheduler.schedule();
    assert.deepEqual(
      step.preempted.map((r) => r.requestId),
      ['b'],
    );
    assert.deepEqual(
      step.entries.map((e) => e.request.requestId),
      ['a'],
    );
    assert.equal(b.numComputedTokens, 0);
    assert.equal(scheduler.waiting[0], b);
    assert.equal(b.numPreemptions, 1);
  });

  it('a full cache preempts and still completes every request (engine, virtual time)', async () => {
    // 40 usable blocks = 640 tokens for 8 requests of 100 + 200 tokens: they cannot all run at once.
    const h = harness({ seed: 5, overrides: { numGpuBlocks: 41 } });
    for (let i = 0; i < 8; i++)
      h.submit({ requestId: `r${i}`, promptTokenIds: tokenRange(1000 * (i + 1), 100), maxTokens: 200, ignoreEos: true });
    h.clock.run();
    assert.equal(h.finished.size, 8);
    for (const f of h.finished.values()) {
      assert.equal(f.finishReason, 'length');
      assert.equal(f.completionTokens, 200);
    }
    const preemptions = [...h.finished.values()].reduce((s, f) => s + f.numPreemptions, 0);
    assert.ok(preemptions > 0, 'expected preemptions');
    const metric = (await scrapeVllmMetrics(h.core)).find((m) => m.name === 'vllm:num_preemptions_total')!;
    assert.equal(metric.samples[0]!.value, preemptions);
    assert.equal(h.core.load().kvCacheUsage, 0);
    // Outputs survive recompute: the same tokens as an unpressured run.
    const free = harness({ seed: 5 });
    free.submit({ requestId: 'r3', promptTokenIds: tokenRange(4000, 100), maxTokens: 200, ignoreEos: true });
    free.clock.run();
    assert.deepEqual(h.tokens.get('r3'), free.tokens.get('r3'));
  });

  it('chunked prefill in the engine: a 4096-token prompt with a 1024-token budget takes 4 steps to its first token', () => {
    const h = harness({ seed: 6, maxNumBatchedTokens: 1024 });
    h.submit({ requestId: 'a', promptTokenIds: tokenRange(1, 4096), maxTokens: 1, ignoreEos: true });
    h.clock.run();
    assert.equal(h.core.steps, 4);
    assert.equal(h.finished.get('a')!.completionTokens, 1);
  });
});

describe('determinism', () => {
  function run(seed: number): string {
    const h = harness({ seed });
    for (let i = 0; i < 50; i++) {
      h.submitAt(i * 13, {
        requestId: `r${i}`,
        promptTokenIds: [...tokenRange(1, 200), ...tokenRange(1000 + i * 50, 50 + (i % 7) * 30)],
        maxTokens: 300,
      });
    }
    h.clock.run();
    return JSON.stringify({ finished: [...h.finished], tokens: [...h.tokens], events: h.events, now: h.clock.now() });
  }

  it('the same seed gives identical virtual-time results; another seed differs', () => {
    const a = run(7);
    assert.equal(run(7), a);
    assert.notEqual(run(8), a);
  });
});
