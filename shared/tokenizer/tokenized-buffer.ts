// One buffer for a pool thread's answer, so it crosses threads as a single transfer: a Float64Array of
// [token count, block hashes…, token ids as uint32 pairs…]. Block hashes are 53-bit integers (doubles);
// token ids are uint32, packed two to a double's 8 bytes through a Uint32Array view of the same buffer.

export function packTokenized(tokenIds: readonly number[], blockHashes: Float64Array): Float64Array {
  const out = new Float64Array(1 + blockHashes.length + Math.ceil(tokenIds.length / 2));
  out[0] = tokenIds.length;
  out.set(blockHashes, 1);
  const ids = new Uint32Array(out.buffer, (1 + blockHashes.length) * 8, tokenIds.length);
  for (let i = 0; i < tokenIds.length; i++) ids[i] = tokenIds[i]!;
  return out;
}

export interface UnpackedTokens {
  /** A plain array: the wire encodes number arrays as msgpack arrays (a typed array would be an extension type). */
  readonly tokenIds: number[];
  /** A view into the transferred buffer. */
  readonly blockHashes: Float64Array;
}

export function unpackTokenized(packed: Float64Array, blockSize: number): UnpackedTokens {
  const n = packed[0]!;
  const blocks = Math.floor(n / blockSize);
  return {
    blockHashes: packed.subarray(1, 1 + blocks),
    tokenIds: Array.from(new Uint32Array(packed.buffer, packed.byteOffset + (1 + blocks) * 8, n)),
  };
}
