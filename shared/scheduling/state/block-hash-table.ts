// An open-addressing hash table from 53-bit block hashes (non-negative integers in doubles) to numbers.
// One Float64Array of (key, value) pairs, so a lookup touches one cache line (the table for 1e6 blocks
// is tens of MB: every probe is a likely cache miss), linear probing with backward-shift deletion:
// 16 bytes a slot, at most 75% full (≥ 21 bytes an entry), no per-entry object and nothing for the
// garbage collector to trace (a Map<number, number> with non-Smi keys allocates a heap number per key).
// A slot stores key + 1, so that 0 marks an empty slot and a new table needs no filling (a zeroed typed
// array is what the allocator hands out anyway; filling 96 MB of tables with a sentinel took 6% of a run).

const EMPTY = 0;

export class BlockHashTable {
  /** slots[2i] = key + 1 (EMPTY when free), slots[2i+1] = value. */
  private slots: Float64Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap * 0.75 < initialCapacity) cap *= 2;
    this.slots = BlockHashTable.emptySlots(cap);
    this.mask = cap - 1;
  }

  private static emptySlots(cap: number): Float64Array {
    return new Float64Array(cap * 2);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get byteLength(): number {
    return this.slots.byteLength;
  }

  /** key must be an integer in [0, 2^53). */
  get(key: number): number | undefined {
    const { slots, mask } = this;
    const stored = key + 1;
    let i = (key >>> 0) & mask; // our hashes are well mixed: the low 32 bits make a good slot index
    for (;;) {
      const k = slots[2 * i]!;
      if (k === stored) return slots[2 * i + 1];
      if (k === EMPTY) return undefined;
      i = (i + 1) & mask;
    }
  }

  set(key: number, value: number): void {
    // 75%: linear probing with well-mixed keys still averages ~2.5 probes a hit, ~8.5 a miss (Knuth).
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) this.grow();
    const { slots, mask } = this;
    const stored = key + 1;
    let i = (key >>> 0) & mask;
    for (;;) {
      const k = slots[2 * i]!;
      if (k === stored) {
        slots[2 * i + 1] = value;
        return;
      }
      if (k === EMPTY) {
        slots[2 * i] = stored;
        slots[2 * i + 1] = value;
        this.count++;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  /**
   * Adds delta to key's value (absent counts as 0) in one probe sequence and returns the new value; an
   * entry whose value reaches 0 or less is deleted (reference counts).
   */
  add(key: number, delta: number): number {
    if (delta > 0 && (this.count + 1) * 4 > (this.mask + 1) * 3) this.grow();
    const { slots, mask } = this;
    const stored = key + 1;
    let i = (key >>> 0) & mask;
    for (;;) {
      const k = slots[2 * i]!;
      if (k === stored) {
        const v = slots[2 * i + 1]! + delta;
        if (v <= 0) this.deleteAt(i);
        else slots[2 * i + 1] = v;
        return v;
      }
      if (k === EMPTY) {
        if (delta <= 0) return delta;
        slots[2 * i] = stored;
        slots[2 * i + 1] = delta;
        this.count++;
        return delta;
      }
      i = (i + 1) & mask;
    }
  }

  delete(key: number): boolean {
    const { slots, mask } = this;
    const stored = key + 1;
    let i = (key >>> 0) & mask;
    for (;;) {
      const k = slots[2 * i]!;
      if (k === EMPTY) return false;
      if (k === stored) break;
      i = (i + 1) & mask;
    }
    this.deleteAt(i);
    return true;
  }

  /** Empties slot i, which holds an entry. */
  private deleteAt(i: number): void {
    const { slots, mask } = this;
    // Backward-shift deletion: pull later entries of the probe run into the hole so lookups stay correct.
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = slots[2 * j]!;
      if (k === EMPTY) break;
      const home = ((k - 1) >>> 0) & mask;
      // Move k into the hole when its home slot is not cyclically within (hole, j].
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        slots[2 * hole] = k;
        slots[2 * hole + 1] = slots[2 * j + 1]!;
        hole = j;
      }
    }
    slots[2 * hole] = EMPTY;
    this.count--;
  }

  clear(): void {
    this.slots.fill(EMPTY);
    this.count = 0;
  }

  /** Calls fn for every entry; fn must not modify this table. */
  forEach(fn: (value: number, key: number) => void): void {
    const { slots } = this;
    for (let i = 0; i < slots.length; i += 2) if (slots[i] !== EMPTY) fn(slots[i + 1]!, slots[i]! - 1);
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = BlockHashTable.emptySlots(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== EMPTY) this.set(old[i]! - 1, old[i + 1]!);
  }
}
