import type { EngineBlockHash } from './types.js';

/** Canonical string form of an engine block hash: decimal for integers, 'x'+hex for bytes. */
export function canonicalBlockHash(hash: number | bigint | Uint8Array): EngineBlockHash {
  if (typeof hash === 'number') {
    if (!Number.isInteger(hash)) throw new TypeError(`block hash must be an integer, got ${hash}`);
    return BigInt(hash).toString(10);
  }
  if (typeof hash === 'bigint') return hash.toString(10);
  return 'x' + Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex');
}
