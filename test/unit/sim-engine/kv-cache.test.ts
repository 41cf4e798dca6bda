import assert from 'node:assert/strict';
import { hashBlockTokens, noneHash } from '../../../shared/engine/sim/index.js';
import type { BlockHash } from '../../../shared/engine/sim/index.js';
import { KvCache, type KvCacheRequest } from '../../../shared/engine/sim/kv-cache.js';
import type { KvCacheEvent } from '../../../shared/engine/types.js';
import { tokenRange } from './harness.js';

const BS = 4;
const ROOT = noneHash(0);

function req(requestId: string, tokenIds: number[], numComputedTokens = 0): KvCacheRequest {
  const blockHashes: BlockHash[] = [];
  for (let i = 0; (i + 1) * BS <= tokenIds.length; i++) {
    blockHashes.push(hashBlockTokens(i === 0 ? ROOT : blockHashes[i - 1]!, tokenIds, i * BS, (i + 1) * BS));
  }
  return { requestId, tokenIds, blockHashes, numComputedTokens };
}

function setup(numGpuBlocks: number): { kv: KvCache; events: KvCacheEvent[] } {
  const events: KvCacheEvent[] = [];
  return { kv: new KvCache(numGpuBlocks, BS, (e) => events.push(e)), events };
}

describe('block hash chain', () => {
  it('chains on the parent: the same block after different prefixes hashes differently', () => {
    const a = hashBlockTokens(ROOT, [1, 2, 3, 4]);
    const b = hashBlockTokens(ROOT, [9, 9, 9, 9]);
    const a2 = hashBlockTokens(a, [5, 6, 7, 8]);
    const b2 = hashBlockTokens(b, [5, 6, 7, 8]);
    assert.notEqual(a2.key, b2.key);
    // Deterministic, and canonical decimal strings of the unsigned 64-bit value.
    assert.equal(hashBlockTokens(a, [5, 6, 7, 8]).key, a2.key);
    assert.match(a2.key, /^\d+$/);
    assert.equal(BigInt(a2.key), (BigInt(a2.hi) << 32n) | BigInt(a2.lo));
  });

  it('the hash seed changes every hash (vLLM NONE_HASH)', () => {
    assert.notEqual(hashBlockTokens(noneHash(1), [1, 2, 3, 4]).key, hashBlockTokens(noneHash(2), [1, 2, 3, 4]).key);
  });
});

describe('KvCache (vLLM KVCacheManager + BlockPool)', () => {
  it('stores only full blocks, one BlockStored per allocation, parent chained', () => {
    const { kv, events } = setup(10);
    const r = req('a', tokenRange(100, 10)); // 2 full blocks + 2 tokens
    assert.ok(kv.allocateSlots(r, 10));
    assert.equal(kv.numBlocksHeld('a'), 3);
    assert.equal(events.length, 1);
    const ev = events[0]!;
    assert.equal(ev.type, 'BlockStored');
    if (ev.type !== 'BlockStored') return;
    assert.deepEqual(ev.blockHashes, [r.blockHashes[0]!.key, r.blockHashes[1]!.key]);
    assert.equal(ev.parentBlockHash, null); // first block of the request
    assert.deepEqual(ev.tokenIds, tokenRange(100, 8)); // the partial third block is not stored
    assert.equal(ev.blockSize, BS);
    assert.equal(ev.loraId, null);
    assert.equal(ev.medium, 'GPU');

    // Two more tokens complete block 3: stored with block 2 as parent.
    const grown = req('a', tokenRange(100, 12), 10);
    assert.ok(kv.allocateSlots(grown, 2));
    const ev2 = events[1]!;
    assert.ok(ev2.type === 'BlockStored');
    assert.deepEqual(ev2.blockHashes, [grown.blockHashes[2]!.key]);
    assert.equal(ev2.parentBlockHash, grown.blockHashes[1]!.key);
    assert.deepEqual(ev2.tokenIds, tokenRange(108, 4));
  });

  it('finds the longest cached prefix but never the last token', () => {
    const { kv } = setup(20);
    const prompt = tokenRange(1, 12); // exactly 3 blocks
    assert.ok(kv.allocateSlots(req('a', prompt), 12));
    kv.free('a');
    // Same 12 tokens: only 2 blocks hit, since the last token must be computed (vLLM max_cache_hit_length = n - 1).
    assert.equal(kv.findCachedPrefix(req('b', prompt)).numTokens, 8);
    // Longer prompt sharing the 12: all 3 blocks hit.
    assert.equal(kv.findCachedPrefix(req('c', tokenRange(1, 14))).numTokens, 12);
    // Diverging in the second block: only the first block hits.
    const diverged = [...tokenRange(1, 5), 999, ...tokenRange(7, 8)];
    assert.equal(kv.findCachedPrefix(req('d', diverged)).numTokens, 4);
    // Queries and hits count tokens: 12 + 14 + 14 queried, 8 + 12 + 4 hit.
    assert.equal(kv.queries, 40);
    assert.equal(kv.hits, 24);
  });

  it('keeps freed blocks cached, evicts least recently freed first, emits BlockRemoved only on eviction', () => {
    // 5 blocks: null block + 4 usable.
    const { kv, events } = setup(5);
    const a = req('a', tokenRange(1, 8)); // 2 blocks
    const b = req('b', tokenRange(50, 8)); // 2 blocks
    assert.ok(kv.allocateSlots(a, 8));
    assert.ok(kv.allocateSlots(b, 8));
    kv.free('a');
    kv.free('b');
    assert.equal(events.filter((e) => e.type === 'BlockRemoved').length, 0); // freeing is not eviction
    assert.equal(kv.usage(), 0);
    // Free queue order: a's blocks (tail first), then b's: a is evicted first.
    const c = req('c', tokenRange(200, 8));
    assert.ok(kv.allocateSlots(c, 8));
    const removed = events.filter((e) => e.type === 'BlockRemoved').flatMap((e) => (e.type === 'BlockRemoved' ? e.blockHashes : []));
    // a's last block was freed first (reverse order) so it is evicted first.
    assert.deepEqual(removed, [a.blockHashes[1]!.key, a.blockHashes[0]!.key]);
    assert.equal(kv.findCachedPrefix(req('a2', tokenRange(1, 9))).numTokens, 0); // a is gone
    assert.equal(kv.findCachedPrefix(req('b2', tokenRange(50, 9))).numTokens, 8); // b survives
  });

  it('a hit on a free cached block takes it off the free queue (counts against free blocks)', () => {
    const { kv } = setup(4); // 3 usable
    assert.ok(kv.allocateSlots(req('a', tokenRange(1, 8)), 8));
    const aBlocks = kv.blockIds('a');
    kv.free('a');
    const b = req('b', tokenRange(1, 13)); // 2 hit blocks + 2 new (5 tokens)
    const hit = kv.findCachedPrefix(b);
    assert.equal(hit.numTokens, 8);
    // 2 hit blocks (free, so they cost 2 free blocks) + 2 new > 3 free: refused, nothing changes.
    assert.equal(kv.allocateSlots(b, 5, hit), false);
    assert.equal(kv.usage(), 0);
    const small = req('s', tokenRange(1, 12));
    const hit2 = kv.findCachedPrefix(small);
    assert.ok(kv.allocateSlots(small, 4, hit2));
    // The hit reuses a's physical blocks; one new block holds the 4 computed tokens.
    assert.deepEqual(kv.blockIds('s').slice(0, 2), aBlocks);
    assert.equal(kv.pool.numFreeBlocks, 0);
  });

  it('reset is refused while blocks are held, then clears with AllBlocksCleared', () => {
    const { kv, events } = setup(6);
    const a = req('a', tokenRange(1, 8));
    assert.ok(kv.allocateSlots(a, 8));
    assert.equal(kv.resetPrefixCache(), false);
    kv.free('a');
    assert.equal(kv.resetPrefixCache(), true);
    assert.deepEqual(events[events.length - 1], { type: 'AllBlocksCleared' });
    assert.equal(kv.findCachedPrefix(req('a', tokenRange(1, 9))).numTokens, 0);
    // Evicting after a reset emits no BlockRemoved: nothing is cached any more.
    assert.ok(kv.allocateSlots(req('x', tokenRange(300, 3)), 3));
    assert.equal(events.filter((e) => e.type === 'BlockRemoved').length, 0);
  });
});

describe('KvCache repeated prefix lookups (a request blocked at the head of the queue)', () => {
  it('finds the same prefix again, a shorter one after an eviction, a longer one after new blocks', () => {
    const { kv } = setup(4); // 3 usable blocks
    const owner = req('owner', tokenRange(1, 12)); // 3 full blocks
    assert.ok(kv.allocateSlots(owner, 12));
    kv.free('owner'); // cached, free: evictable from the oldest (its last block, freed first)
    const waiter = req('waiter', tokenRange(1, 13));
    assert.equal(kv.findCachedPrefix(waiter).numTokens, 12);
    assert.equal(kv.findCachedPrefix(waiter).numTokens, 12);
    // Another request takes one free block: the owner's last block is evicted.
    assert.ok(kv.allocateSlots(req('other', tokenRange(500, 2)), 2));
    assert.equal(kv.findCachedPrefix(waiter).numTokens, 8);
    assert.equal(kv.findCachedPrefix(req('fresh', tokenRange(1, 13))).numTokens, 8, 'a first lookup agrees');
    // The block comes back (recomputed by someone else): the repeated lookup sees it again.
    kv.free('other');
    const again = req('again', tokenRange(1, 12));
    assert.ok(kv.allocateSlots(again, 4, kv.findCachedPrefix(again)));
    assert.equal(kv.findCachedPrefix(waiter).numTokens, 12);
    // Hit statistics count every lookup, as vLLM's do.
    assert.equal(kv.queries, 13 * 5 + 12);
  });
});
