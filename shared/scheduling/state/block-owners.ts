// Which worker slots hold each block: one open-addressing table whose slot holds our block hash and, right
// beside it, the bitmask over worker slots. A prefix match reads one table slot per prompt block, so one
// cache miss per block (the table for 1e6 blocks is 32 MB: nearly every probe misses the cache); with the
// mask in a second array (as before issue 16's second round) every block cost two misses and matching was
// the largest part of a decision at 64 engines (BENCHMARKS.md, scheduler).
// Hand-written, like BlockHashTable (see there for why no npm package or Map): same hashing, linear probing
// and backward-shift deletion, with a stride of 1 + words/2 doubles instead of 2.
// Layout: slot i spans doubles [i*stride, (i+1)*stride) of one ArrayBuffer; double 0 is key + 1 (0 = free),
// the rest are `words` 32-bit mask words, read and written only through a Uint32Array view (never as a
// double, so no NaN canonicalisation can touch them). ≤ 64 worker slots: 16 bytes a slot, ≥ 21 bytes a block.

const EMPTY = 0;
/**
 * Blocks whose table slots matchPrefix reads ahead at a time (a power of 2): enough to overlap many cache
 * misses, few enough that a prefix ending early wastes little.
 */
const GATHER = 64;

export class BlockOwners {
  private keys: Float64Array;
  private masks: Uint32Array;
  /** 32-bit mask words per block (a multiple of 2, so a slot is whole doubles). */
  private words = 2;
  /** Doubles per slot: the key, then words / 2 doubles of mask. */
  private stride = 2;
  private mask: number;
  private count = 0;
  /** The live mask of matchPrefix, reused (no allocation per decision). */
  private live = new Uint32Array(2);

  constructor(initialCapacity = 1 << 16) {
    let cap = 16;
    while (cap * 0.75 < initialCapacity) cap *= 2;
    this.mask = cap - 1;
    [this.keys, this.masks] = BlockOwners.table(cap, this.stride);
  }

  private static table(cap: number, stride: number): [Float64Array, Uint32Array] {
    const buffer = new ArrayBuffer(cap * stride * 8);
    return [new Float64Array(buffer), new Uint32Array(buffer)];
  }

  /** Distinct blocks held by at least one slot. */
  get size(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.keys.byteLength;
  }

  /** Makes room for slot numbers below `slots`. */
  ensureSlots(slots: number): void {
    let words = this.words;
    while (slots > words * 32) words *= 2;
    if (words !== this.words) this.rebuild(this.mask + 1, words);
  }

  /** Sets the slot's bit; returns false when it was already set. */
  add(hash: number, slot: number): boolean {
    let i = this.find(hash);
    if (i < 0) {
      if ((this.count + 1) * 4 > (this.mask + 1) * 3) this.rebuild((this.mask + 1) * 2, this.words);
      i = this.insert(hash);
    }
    const at = 2 * i * this.stride + 2 + (slot >>> 5);
    const bit = 1 << (slot & 31);
    if (this.masks[at]! & bit) return false;
    this.masks[at] = this.masks[at]! | bit;
    return true;
  }

  /** Clears the slot's bit; forgets the block when no slot holds it any more. */
  remove(hash: number, slot: number): void {
    const i = this.find(hash);
    if (i < 0) return;
    const base = 2 * i * this.stride + 2;
    this.masks[base + (slot >>> 5)] = this.masks[base + (slot >>> 5)]! & ~(1 << (slot & 31));
    for (let k = 0; k < this.words; k++) if (this.masks[base + k] !== 0) return;
    this.deleteAt(i);
  }

  /**
   * For each slot holding the first block: how many leading blocks it holds in a row.
   * Calls onMatch(slot, blocks) once per such slot.
   */
  matchPrefix(blockHashes: ArrayLike<number>, onMatch: (slot: number, blocks: number) => void): void {
    const n = blockHashes.length;
    if (n === 0) return;
    const first = this.find(blockHashes[0]!);
    if (first < 0) return;
    const W = this.words;
    const S2 = 2 * this.stride;
    const masks = this.masks;
    if (this.live.length !== W) this.live = new Uint32Array(W);
    const live = this.live;
    for (let k = 0; k < W; k++) live[k] = masks[first * S2 + 2 + k]!;
    for (let b = 1; b < n; b++) {
      if ((b & (GATHER - 1)) === 1) this.touch(blockHashes, b, Math.min(n, b + GATHER));
      const idx = this.find(blockHashes[b]!);
      const base = idx * S2 + 2;
      let any = 0;
      for (let k = 0; k < W; k++) {
        const cur = live[k]!;
        if (cur === 0) continue;
        const next = idx < 0 ? 0 : cur & masks[base + k]!;
        if (next !== cur) emitBits(k, (cur & ~next) >>> 0, b, onMatch);
        live[k] = next;
        any |= next;
      }
      if (any === 0) return;
    }
    for (let k = 0; k < W; k++) if (live[k] !== 0) emitBits(k, live[k]!, n, onMatch);
  }

  /**
   * Reads the home slot of blocks [from, to) in a loop whose loads do not depend on each other, so the
   * CPU has many cache misses in flight at once instead of one per probe of find(); find() then mostly
   * hits the cache. Returns a value only so the loads are not optimised away.
   */
  private touch(blockHashes: ArrayLike<number>, from: number, to: number): number {
    const { keys, mask, stride } = this;
    let sum = 0;
    for (let b = from; b < to; b++) sum += keys[((blockHashes[b]! >>> 0) & mask) * stride]!;
    return sum;
  }

  /** The slot holding hash, or -1. */
  private find(hash: number): number {
    const { keys, mask, stride } = this;
    const stored = hash + 1;
    let i = (hash >>> 0) & mask; // our hashes are well mixed: the low 32 bits make a good slot index
    for (;;) {
      const k = keys[i * stride]!;
      if (k === stored) return i;
      if (k === EMPTY) return -1;
      i = (i + 1) & mask;
    }
  }

  /** Claims a free slot for hash (absent, table below its load limit), mask all zero. */
  private insert(hash: number): number {
    const { keys, mask, stride } = this;
    let i = (hash >>> 0) & mask;
    while (keys[i * stride] !== EMPTY) i = (i + 1) & mask;
    keys[i * stride] = hash + 1;
    this.count++;
    return i;
  }

  /** Empties slot i (backward-shift deletion: later entries of its probe run move into the hole). */
  private deleteAt(i: number): void {
    const { keys, masks, mask, stride } = this;
    const u = 2 * stride;
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j * stride]!;
      if (k === EMPTY) break;
      const home = ((k - 1) >>> 0) & mask;
      // Move j into the hole when its home slot is not cyclically within (hole, j].
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        masks.copyWithin(hole * u, j * u, (j + 1) * u);
        hole = j;
      }
    }
    masks.fill(0, hole * u, (hole + 1) * u);
    this.count--;
  }

  /** Re-lays the table out with `cap` slots of `words` mask words (growth, or more worker slots). */
  private rebuild(cap: number, words: number): void {
    const oldKeys = this.keys;
    const oldMasks = this.masks;
    const oldU = 2 * this.stride;
    const oldWords = this.words;
    const oldSlots = this.mask + 1;
    this.words = words;
    this.stride = 1 + words / 2;
    this.mask = cap - 1;
    [this.keys, this.masks] = BlockOwners.table(cap, this.stride);
    this.count = 0;
    const u = 2 * this.stride;
    for (let s = 0; s < oldSlots; s++) {
      const k = oldKeys[s * (oldU / 2)]!;
      if (k === EMPTY) continue;
      const i = this.insert(k - 1);
      for (let w = 0; w < oldWords; w++) this.masks[i * u + 2 + w] = oldMasks[s * oldU + 2 + w]!;
    }
  }
}

function emitBits(word: number, bits: number, blocks: number, onMatch: (slot: number, blocks: number) => void): void {
  while (bits !== 0) {
    const bit = 31 - Math.clz32(bits);
    bits = (bits & ~(1 << bit)) >>> 0;
    onMatch(word * 32 + bit, blocks);
  }
}
