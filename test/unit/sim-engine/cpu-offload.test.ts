import assert from 'node:assert/strict';
import { CpuOffloadTier, hashBlockTokens, noneHash, type BlockHash } from '../../../shared/engine/sim/index.js';
import type { KvCacheEvent } from '../../../shared/engine/types.js';
import { harness, tokenRange } from './harness.js';

const ROOT = noneHash(0);

function chain(tokens: number[], bs: number): BlockHash[] {
  const out: BlockHash[] = [];
  for (let i = 0; (i + 1) * bs <= tokens.length; i++) out.push(hashBlockTokens(i === 0 ? ROOT : out[i - 1]!, tokens, i * bs, (i + 1) * bs));
  return out;
}

describe('CpuOffloadTier (vLLM OffloadingConnector, LRU)', () => {
  it('stores write-through, evicts least recently used, announces both with medium CPU', () => {
    const events: KvCacheEvent[] = [];
    const tier = new CpuOffloadTier(3, 4, (e) => events.push(e));
    const h = chain(tokenRange(1, 20), 4); // 5 blocks
    tier.stored(h, 0, 2);
    assert.deepEqual(events, [
      {
        type: 'BlockStored',
        blockHashes: [h[0]!.key, h[1]!.key],
        parentBlockHash: null,
        tokenIds: [],
        blockSize: 4,
        loraId: null,
        medium: 'CPU',
      },
    ]);
    tier.stored(h, 0, 1); // a refresh: block 0 becomes most recent, no event
    assert.equal(events.length, 1);
    tier.stored(h, 2, 4); // 2 new blocks, capacity 3: block 1 (least recent) goes
    assert.deepEqual(events.slice(1), [
      { type: 'BlockRemoved', blockHashes: [h[1]!.key], medium: 'CPU' },
      {
        type: 'BlockStored',
        blockHashes: [h[2]!.key, h[3]!.key],
        parentBlockHash: null,
        tokenIds: [],
        blockSize: 4,
        loraId: null,
        medium: 'CPU',
      },
    ]);
    assert.equal(tier.matchFrom(h, 0, 5), 1); // block 0 held, block 1 not
    assert.equal(tier.matchFrom(h, 2, 5), 2);
    assert.equal(tier.size, 3);
  });

  it('a block stored and evicted in one call is announced neither way', () => {
    const events: KvCacheEvent[] = [];
    const tier = new CpuOffloadTier(2, 4, (e) => events.push(e));
    const h = chain(tokenRange(1, 16), 4);
    tier.stored(h, 0, 4);
    assert.deepEqual(events, [
      {
        type: 'BlockStored',
        blockHashes: [h[2]!.key, h[3]!.key],
        parentBlockHash: null,
        tokenIds: [],
        blockSize: 4,
        loraId: null,
        medium: 'CPU',
      },
    ]);
  });

  it('refuses a capacity below one block', () => {
    assert.throws(() => new CpuOffloadTier(0, 16, () => {}), /at least one block/);
  });
});

describe('SimEngineCore with a CPU offload tier (virtual time)', () => {
  // 65 GPU blocks = 1024 tokens: three 512-token prompts evict the first from GPU memory.
  const layout = { overrides: { numGpuBlocks: 65 }, cpuOffload: { bytes: 1e12 } } as const;

  function evictFirst(h: ReturnType<typeof harness>, old: number[]): void {
    h.submit({ requestId: 'old', promptTokenIds: old, maxTokens: 4, ignoreEos: true });
    h.clock.run();
    for (let i = 0; i < 3; i++) {
      h.submit({ requestId: `new${i}`, promptTokenIds: tokenRange(10_000 * (i + 1), 512), maxTokens: 4, ignoreEos: true });
      h.clock.run();
    }
  }

  it('a prompt evicted from GPU memory is loaded from the CPU tier: cached, with a PCIe wait instead of a prefill', () => {
    const h = harness({ seed: 2, ...layout });
    const old = tokenRange(1, 512);
    evictFirst(h, old);
    const gpuRemoved = h.events.filter((e) => e.type === 'BlockRemoved' && e.medium === 'GPU').length;
    assert.ok(gpuRemoved > 0, 'the first prompt must have left GPU memory');
    const cpuStored = h.events.filter((e) => e.type === 'BlockStored' && e.medium === 'CPU');
    assert.ok(cpuStored.length > 0);
    h.submit({ requestId: 'old-again', promptTokenIds: old, maxTokens: 1, ignoreEos: true });
    h.clock.run();
    const again = h.finished.get('old-again')!;
    assert.equal(again.cachedPromptTokens, 512 - 16);
    // Without the tier the same request recomputes everything.
    const bare = harness({ seed: 2, overrides: { numGpuBlocks: 65 } });
    evictFirst(bare, old);
    bare.submit({ requestId: 'old-again', promptTokenIds: old, maxTokens: 1, ignoreEos: true });
    bare.clock.run();
    const recomputed = bare.finished.get('old-again')!;
    assert.equal(recomputed.cachedPromptTokens, 0);
    // The load: 496 tokens × 128 KiB / 50 GB/s = 1.3 ms, far below a 512-token prefill on llama-3-8b-h100.
    assert.ok(again.ttftMs < recomputed.ttftMs, `ttft ${again.ttftMs} with the tier vs ${recomputed.ttftMs} without`);
    assert.ok(again.ttftMs >= 1.3, `the PCIe load takes time: ${again.ttftMs} ms`);
  });

  it('without the option nothing changes: no CPU events, the same finishes as before', () => {
    const a = harness({ seed: 4, overrides: { numGpuBlocks: 65 } });
    evictFirst(a, tokenRange(1, 512));
    assert.equal(a.events.filter((e) => e.type !== 'AllBlocksCleared' && e.medium === 'CPU').length, 0);
  });

  it('an abort during the load frees the request and its blocks', () => {
    const h = harness({ seed: 5, ...layout, cpuOffload: { bytes: 1e12, pcieBandwidth: 1e6 } }); // a slow link: the load lasts
    const old = tokenRange(1, 512);
    evictFirst(h, old);
    h.submit({ requestId: 'loading', promptTokenIds: old, maxTokens: 1, ignoreEos: true });
    h.clock.runUntil(h.clock.now() + 5);
    assert.equal(h.finished.has('loading'), false);
    assert.ok(h.core.abort('loading'));
    h.clock.run();
    assert.equal(h.finished.get('loading')!.finishReason, 'abort');
    assert.equal(h.core.kv.usage(), 0);
  });

  it('refuses a CPU tier together with an external KV store', () => {
    assert.throws(
      () => harness({ cpuOffload: { bytes: 1e9 }, externalKv: { residentInGpu: false, matchFrom: () => 0, stored: () => {} } }),
      /exclude each other/,
    );
  });
});
