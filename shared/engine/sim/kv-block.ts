import type { BlockHash } from './block-hash-chain.js';

/** One physical KV-cache block (vLLM's KVCacheBlock). */
export interface KvBlock {
  readonly id: number;
  /** Requests holding this block; 0 means it sits in the free queue (possibly still cached). */
  refCount: number;
  /** Set once the block is full and cached; kept while free so the block can be hit again until evicted. */
  hash: BlockHash | null;
  /** Free-queue links (vLLM's FreeKVCacheBlockQueue is an intrusive doubly linked list). */
  prev: KvBlock | null;
  next: KvBlock | null;
}

/**
 * LRU queue of free blocks: allocation takes from the head, freed blocks join the tail, and a cached
 * free block hit by a new request is unlinked from the middle in O(1).
 */
export class FreeBlockQueue {
  private readonly head: KvBlock = { id: -1, refCount: 0, hash: null, prev: null, next: null };
  private readonly tail: KvBlock = { id: -2, refCount: 0, hash: null, prev: null, next: null };
  private count = 0;

  constructor(blocks: readonly KvBlock[]) {
    this.head.next = this.tail;
    this.tail.prev = this.head;
    for (const block of blocks) this.append(block);
  }

  get length(): number {
    return this.count;
  }

  popLeft(): KvBlock {
    const block = this.head.next!;
    if (block === this.tail) throw new Error('no free KV blocks');
    this.remove(block);
    return block;
  }

  remove(block: KvBlock): void {
    if (block.prev === null || block.next === null) throw new Error(`KV block ${block.id} is not in the free queue`);
    block.prev.next = block.next;
    block.next.prev = block.prev;
    block.prev = null;
    block.next = null;
    this.count--;
  }

  append(block: KvBlock): void {
    const last = this.tail.prev!;
    last.next = block;
    block.prev = last;
    block.next = this.tail;
    this.tail.prev = block;
    this.count++;
  }

  /** Blocks from head (next evicted) to tail, for tests and debugging. */
  *[Symbol.iterator](): IterableIterator<KvBlock> {
    for (let b = this.head.next!; b !== this.tail; b = b.next!) yield b;
  }
}
