// Deterministic prompt token ids for synthetic and trace workloads. Ids are drawn from [0, VOCAB_SIZE),
// so never the end-of-sequence id (VOCAB_SIZE + 1); equal seeds give equal tokens, so prefix sharing
// between requests is exactly what the workload intends.
import { VOCAB_SIZE } from '../../../shared/tokenizer/index.js';

/** Tokens per hash id in Mooncake traces (FAST'25 release README: "block size 512"). */
export const MOONCAKE_BLOCK_TOKENS = 512;

/** mulberry32 step, inlined for speed: the state after one draw, and a token from it. */
function fill(out: number[], offset: number, count: number, seed: number): void {
  let a = seed >>> 0;
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    // x mod VOCAB_SIZE for a uint32 x, written so that it stays off V8's floating-point modulo (x above
    // 2^31 is a double, and `%` on doubles calls fmod: most of the time of building a Mooncake prompt).
    // Exact: x / VOCAB_SIZE lies at least 1 / VOCAB_SIZE from the next integer unless it is one.
    const x = (t ^ (t >>> 14)) >>> 0;
    out[offset + i] = x - Math.floor(x / VOCAB_SIZE) * VOCAB_SIZE;
  }
}

/** Mixes a namespace and an index into one 32-bit seed (so "group 3" and "question 3" differ). */
export function mixSeed(namespace: number, index: number): number {
  let h = Math.imul(namespace ^ 0x9e3779b9, 0x85ebca6b) ^ index;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** `count` token ids determined by `seed`. */
export function seededTokens(seed: number, count: number): number[] {
  const out = new Array<number>(count);
  fill(out, 0, count, seed);
  return out;
}

/**
 * A Mooncake request's prompt: each hash id becomes 512 token ids seeded by the id (and `salt`, so
 * different replays can be made distinct), cut to inputLength. Positions past the hash ids (inputLength
 * longer than 512 × ids, which the trace should not have) are filled from the last id's stream.
 */
export function expandHashIds(hashIds: readonly number[], inputLength: number, salt = 0): number[] {
  const out = new Array<number>(inputLength);
  let pos = 0;
  for (let b = 0; b < hashIds.length && pos < inputLength; b++) {
    const n = Math.min(MOONCAKE_BLOCK_TOKENS, inputLength - pos);
    fill(out, pos, n, mixSeed(salt, hashIds[b]!));
    pos += n;
  }
  if (pos < inputLength) fill(out, pos, inputLength - pos, mixSeed(salt ^ 0x7a11, hashIds[hashIds.length - 1] ?? 0));
  return out;
}
