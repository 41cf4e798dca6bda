// Prefix-cache block hashes, chained like vLLM's hash_block_tokens(parent_block_hash, block_token_ids):
// a block's hash covers its parent's hash and its own token ids, so equal hashes mean equal prefixes.
// vLLM hashes with sha256_cbor / builtin hash (64-bit) seeded by NONE_HASH; here a fast two-lane
// 64-bit murmur3-style hash in 32-bit integer arithmetic, seeded the same way (the first block's parent
// is noneHash(seed)). A scheduler that wants to predict this engine's hashes from token ids calls the
// same two functions.
import { canonicalBlockHash } from '../block-hash.js';
import type { EngineBlockHash } from '../types.js';

export interface BlockHash {
  /** High and low 32 bits of the 64-bit hash (unsigned). */
  readonly hi: number;
  readonly lo: number;
  /** Canonical string form (decimal of the unsigned 64-bit value), as carried in KV events. */
  readonly key: EngineBlockHash;
  /** 53 of the 64 bits as a non-negative integer: the engine's prefix-cache table index. */
  readonly index: number;
}

/** Equal hashes: all 64 bits. */
export function sameBlockHash(a: BlockHash, b: BlockHash): boolean {
  return a.hi === b.hi && a.lo === b.lo;
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function makeHash(hi: number, lo: number): BlockHash {
  const h = hi >>> 0;
  const l = lo >>> 0;
  return { hi: h, lo: l, key: canonicalBlockHash((BigInt(h) << 32n) | BigInt(l)), index: (h >>> 11) * 4294967296 + l };
}

/** The parent hash of a request's first block (vLLM's NONE_HASH), derived from the hash seed. */
export function noneHash(seed: number): BlockHash {
  const s = seed >>> 0;
  return makeHash(fmix32(s ^ 0x243f6a88), fmix32(Math.imul(s, 0x9e3779b1) ^ 0x85a308d3));
}

/** Hash of the block tokenIds[start, end) chained on parent. */
export function hashBlockTokens(parent: BlockHash, tokenIds: ArrayLike<number>, start = 0, end = tokenIds.length): BlockHash {
  let h1 = parent.hi | 0;
  let h2 = parent.lo | 0;
  for (let i = start; i < end; i++) {
    const t = tokenIds[i]! | 0;
    let k1 = Math.imul(t, 0xcc9e2d51);
    k1 = Math.imul(rotl(k1, 15), 0x1b873593);
    h1 = (Math.imul(rotl(h1 ^ k1, 13), 5) + 0xe6546b64) | 0;
    let k2 = Math.imul(t ^ 0x5bd1e995, 0x85ebca77);
    k2 = Math.imul(rotl(k2, 17), 0xc2b2ae3d);
    h2 = (Math.imul(rotl(h2 ^ k2, 19), 5) + 0x561ccd1b) | 0;
    // Cross the lanes so that the 64 bits depend on each other.
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
  }
  const n = end - start;
  h1 = fmix32(h1 ^ n);
  h2 = fmix32(h2 ^ n);
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  return makeHash(h1, h2);
}
