// The scheduler's own chained hash of token blocks. Independent of any engine's hash function or seed, so
// the prefix index can compare blocks across engines and across engine restarts.
//
// Each full block of `blockSize` tokens hashes to a 53-bit integer (exact in a double, so it keys a Map
// without BigInt): two 32-bit MurmurHash3-style lanes over the token ids, seeded with the parent block's
// hash, so a block's hash names its whole prefix. Collision odds for 1e6 live blocks: about
// n^2 / 2^54 ≈ 6e-5 (birthday bound). Cost: two Math.imul rounds per token; an 8,000-token prompt takes
// on the order of 20 µs on a current x86 core.

/** Tokens per block the scheduler hashes in unless told otherwise: vLLM's default --block-size. */
export const DEFAULT_BLOCK_SIZE = 16;

/** Parent hash of a prompt's first block. */
export const ROOT_PARENT_HASH = 0;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const C3 = 0x85ebca6b;
const C4 = 0xc2b2ae35;
const TWO_POW_32 = 4294967296;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, C3);
  h ^= h >>> 13;
  h = Math.imul(h, C4);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Hash of the block tokenIds[start, start+blockSize) chained on `parent` (ROOT_PARENT_HASH for the first).
 * Token ids must be integers in [0, 2^32).
 */
export function chainBlockHash(parent: number, tokenIds: ArrayLike<number>, start: number, blockSize: number): number {
  // Split the 53-bit parent into two 32-bit seeds.
  let h1 = (parent % TWO_POW_32) ^ 0x9747b28c;
  let h2 = Math.floor(parent / TWO_POW_32) ^ 0x5bd1e995;
  const end = start + blockSize;
  for (let i = start; i < end; i++) {
    const t = tokenIds[i]! | 0;
    let k = Math.imul(t, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    let j = Math.imul(t ^ 0x27d4eb2f, C3);
    j = (j << 17) | (j >>> 15);
    j = Math.imul(j, C4);
    h2 ^= j;
    h2 = (h2 << 11) | (h2 >>> 21);
    h2 = (Math.imul(h2, 9) + 0x38b34ae5) | 0;
  }
  h1 = fmix32(h1 ^ blockSize);
  h2 = fmix32((h2 ^ h1) + blockSize);
  // 21 high bits from lane 2, 32 low bits from lane 1: a 53-bit non-negative integer.
  return (h2 >>> 11) * TWO_POW_32 + h1;
}

/**
 * Chained hashes of every full block of the prompt (a trailing partial block is not cacheable in vLLM).
 * The same values as chaining chainBlockHash from ROOT_PARENT_HASH (a unit test holds them equal), in one
 * loop that keeps the parent as its two 32-bit halves instead of splitting a double per block: 1.3-2x
 * faster on an 8,000-token prompt, the largest single cost of a decision (BENCHMARKS.md, scheduler).
 */
export function computeBlockHashes(tokenIds: ArrayLike<number>, blockSize: number): Float64Array {
  const n = Math.floor(tokenIds.length / blockSize);
  const out = new Float64Array(n);
  // ROOT_PARENT_HASH (0) split: low 32 bits, high 21 bits.
  let lo = 0;
  let hi = 0;
  let i = 0;
  for (let b = 0; b < n; b++) {
    let h1 = lo ^ 0x9747b28c;
    let h2 = hi ^ 0x5bd1e995;
    const end = i + blockSize;
    for (; i < end; i++) {
      const t = tokenIds[i]! | 0;
      let k = Math.imul(t, C1);
      k = (k << 15) | (k >>> 17);
      h1 ^= Math.imul(k, C2);
      h1 = (h1 << 13) | (h1 >>> 19);
      h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      let j = Math.imul(t ^ 0x27d4eb2f, C3);
      j = (j << 17) | (j >>> 15);
      h2 ^= Math.imul(j, C4);
      h2 = (h2 << 11) | (h2 >>> 21);
      h2 = (Math.imul(h2, 9) + 0x38b34ae5) | 0;
    }
    lo = fmix32(h1 ^ blockSize);
    hi = fmix32((h2 ^ lo) + blockSize) >>> 11;
    out[b] = hi * TWO_POW_32 + lo;
  }
  return out;
}

/**
 * 53-bit digest of an engine's canonical block hash string, so the per-worker engine -> ours map needs no
 * string keys. Two 32-bit lanes; collision odds per worker with 1e5 blocks ≈ 1e10 / 2^54 ≈ 6e-7.
 */
export function engineHashDigest(engineHash: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < engineHash.length; i++) {
    const c = engineHash.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 = fmix32(h1 ^ engineHash.length);
  h2 = fmix32(h2 ^ h1);
  return (h2 >>> 11) * TWO_POW_32 + h1;
}
