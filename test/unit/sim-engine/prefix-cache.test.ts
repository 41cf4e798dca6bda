import assert from 'node:assert/strict';
import { harness, tokenRange } from './harness.js';

describe('SimEngineCore prefix caching (virtual time)', () => {
  it('a repeated prompt hits the prefix cache and gets a much shorter TTFT', () => {
    const h = harness({ seed: 1 });
    const prompt = tokenRange(1000, 4096);
    h.submit({ requestId: 'first', promptTokenIds: prompt, maxTokens: 4, ignoreEos: true });
    h.clock.run();
    h.submit({ requestId: 'again', promptTokenIds: prompt, maxTokens: 4, ignoreEos: true });
    h.clock.run();
    const first = h.finished.get('first')!;
    const again = h.finished.get('again')!;
    assert.equal(first.cachedPromptTokens, 0);
    // All full blocks but the one holding the last token: 4096 tokens = 256 blocks, the last is recomputed.
    assert.equal(again.cachedPromptTokens, 4096 - 16);
    // 4096 uncached tokens are compute-bound (~130 ms on llama-3-8b-h100); 16 tokens cost about one
    // decode step (~7 ms): at least 4× shorter.
    assert.ok(again.ttftMs * 4 < first.ttftMs, `ttft ${again.ttftMs} vs ${first.ttftMs}`);
    const load = h.core.load();
    assert.equal(load.prefixCacheQueries, 2 * 4096);
    assert.equal(load.prefixCacheHits, 4096 - 16);
  });

  it('under memory pressure old blocks are evicted with BlockRemoved and later requests miss', () => {
    // 65 blocks = 64 usable = 1024 tokens: each 512-token prompt (+ outputs) takes 33 blocks.
    const h = harness({ seed: 2, overrides: { numGpuBlocks: 65 } });
    const old = tokenRange(1, 512);
    h.submit({ requestId: 'old', promptTokenIds: old, maxTokens: 8, ignoreEos: true });
    h.clock.run();
    const oldHashes = new Set(h.events.flatMap((e) => (e.type === 'BlockStored' ? e.blockHashes : [])));
    assert.equal(h.events.filter((e) => e.type === 'BlockRemoved').length, 0);
    for (let i = 0; i < 3; i++) {
      h.submit({ requestId: `new${i}`, promptTokenIds: tokenRange(10_000 * (i + 1), 512), maxTokens: 8, ignoreEos: true });
      h.clock.run();
    }
    const removed = h.events.flatMap((e) => (e.type === 'BlockRemoved' ? e.blockHashes : []));
    // Every block of the old prompt was evicted, and each eviction named a hash that had been stored.
    for (const hash of oldHashes) assert.ok(removed.includes(hash), `block ${hash} not evicted`);
    h.submit({ requestId: 'old-again', promptTokenIds: old, maxTokens: 1, ignoreEos: true });
    h.clock.run();
    assert.equal(h.finished.get('old-again')!.cachedPromptTokens, 0);
  });

  it('only evicts blocks nobody holds: a running request keeps its prefix', () => {
    const h = harness({ seed: 3, overrides: { numGpuBlocks: 65 } });
    h.submit({ requestId: 'long', promptTokenIds: tokenRange(1, 256), maxTokens: 200, ignoreEos: true });
    h.clock.runUntil(50);
    const stored = h.events.flatMap((e) => (e.type === 'BlockStored' ? e.blockHashes : []));
    // Fill the rest of the cache with short-lived requests while 'long' is still decoding.
    for (let i = 0; i < 4; i++)
      h.submit({ requestId: `s${i}`, promptTokenIds: tokenRange(20_000 + 1000 * i, 300), maxTokens: 2, ignoreEos: true });
    h.clock.run();
    const removed = new Set(h.events.flatMap((e) => (e.type === 'BlockRemoved' ? e.blockHashes : [])));
    assert.ok(removed.size > 0, 'the short requests must have evicted each other');
    for (const hash of stored.slice(0, 16)) assert.ok(!removed.has(hash), 'a held block was evicted');
  });
});
