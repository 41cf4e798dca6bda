// Which worker slots hold each block: our block hash -> entry index (BlockHashTable), and per entry
// `words` 32-bit words of a bitmask over worker slots, in one Uint32Array. 1e6 blocks over 64 slots:
// ~21-43 bytes of hash table plus 8 bytes of mask per block, no per-block object.
import { BlockHashTable } from './block-hash-table.js';

export class BlockOwners {
  private readonly entries = new BlockHashTable(1 << 16);
  private masks: Uint32Array;
  private words = 2;
  private capacity = 1024;
  private nextEntry = 0;
  private readonly freeEntries: number[] = [];

  constructor() {
    this.masks = new Uint32Array(this.capacity * this.words);
  }

  /** Distinct blocks held by at least one slot. */
  get size(): number {
    return this.entries.size;
  }

  get byteLength(): number {
    return this.entries.byteLength + this.masks.byteLength;
  }

  /** Makes room for slot numbers below `slots`. */
  ensureSlots(slots: number): void {
    while (slots > this.words * 32) {
      const words = this.words * 2;
      const grown = new Uint32Array(this.capacity * words);
      for (let e = 0; e < this.nextEntry; e++) grown.set(this.masks.subarray(e * this.words, (e + 1) * this.words), e * words);
      this.masks = grown;
      this.words = words;
    }
  }

  /** Sets the slot's bit; returns false when it was already set. */
  add(hash: number, slot: number): boolean {
    let idx = this.entries.get(hash);
    if (idx === undefined) {
      idx = this.allocateEntry();
      this.entries.set(hash, idx);
    }
    const at = idx * this.words + (slot >>> 5);
    const bit = 1 << (slot & 31);
    if (this.masks[at]! & bit) return false;
    this.masks[at] = this.masks[at]! | bit;
    return true;
  }

  /** Clears the slot's bit; forgets the block when no slot holds it any more. */
  remove(hash: number, slot: number): void {
    const idx = this.entries.get(hash);
    if (idx === undefined) return;
    const base = idx * this.words;
    this.masks[base + (slot >>> 5)] = this.masks[base + (slot >>> 5)]! & ~(1 << (slot & 31));
    for (let k = 0; k < this.words; k++) if (this.masks[base + k] !== 0) return;
    this.entries.delete(hash);
    this.freeEntries.push(idx);
  }

  /**
   * For each slot holding the first block: how many leading blocks it holds in a row.
   * Calls onMatch(slot, blocks) once per such slot.
   */
  matchPrefix(blockHashes: ArrayLike<number>, onMatch: (slot: number, blocks: number) => void): void {
    const n = blockHashes.length;
    if (n === 0) return;
    const first = this.entries.get(blockHashes[0]!);
    if (first === undefined) return;
    const W = this.words;
    const live = this.masks.slice(first * W, first * W + W);
    for (let b = 1; b < n; b++) {
      const idx = this.entries.get(blockHashes[b]!);
      let any = 0;
      for (let k = 0; k < W; k++) {
        const cur = live[k]!;
        if (cur === 0) continue;
        const next = idx === undefined ? 0 : cur & this.masks[idx * W + k]!;
        if (next !== cur) emitBits(k, (cur & ~next) >>> 0, b, onMatch);
        live[k] = next;
        any |= next;
      }
      if (any === 0) return;
    }
    for (let k = 0; k < W; k++) if (live[k] !== 0) emitBits(k, live[k]!, n, onMatch);
  }

  private allocateEntry(): number {
    const free = this.freeEntries.pop();
    if (free !== undefined) return free;
    if (this.nextEntry === this.capacity) {
      this.capacity *= 2;
      const grown = new Uint32Array(this.capacity * this.words);
      grown.set(this.masks);
      this.masks = grown;
    }
    return this.nextEntry++;
  }
}

function emitBits(word: number, bits: number, blocks: number, onMatch: (slot: number, blocks: number) => void): void {
  while (bits !== 0) {
    const bit = 31 - Math.clz32(bits);
    bits = (bits & ~(1 << bit)) >>> 0;
    onMatch(word * 32 + bit, blocks);
  }
}
