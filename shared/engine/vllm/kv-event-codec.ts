// vLLM's KV cache events on the wire (vllm/distributed/kv_events.py): msgspec structs, msgpack.
// KVCacheEvent is a tagged union (tag = class name). Two layouts exist in the field:
// - positional arrays (array_like=True, vLLM before vllm-project/vllm#42892):
//     batch [ts, events, data_parallel_rank?]
//     ["BlockStored", block_hashes, parent_block_hash, token_ids, block_size, lora_id, medium?,
//      lora_name?, extra_keys?, group_idx?, kv_cache_spec_kind?, kv_cache_spec_sliding_window?]
//     ["BlockRemoved", block_hashes, medium?, group_idx?]   ["AllBlocksCleared"]
// - tagged maps (#42892 and later): {"type": "BlockStored", "block_hashes": ..., ...}; the batch is
//   an array or, in the newest releases, a map {ts, events, data_parallel_rank}.
// Both decode here; trailing fields a newer vLLM adds are ignored. Encoding writes the array layout.
import { Packr, Unpackr } from 'msgpackr';
import type { KvCacheEvent, KvEventBatch } from '../types.js';
import {
  KvEventDecodeError,
  blockHashList,
  count,
  fail,
  isRecord,
  optionalBlockHash,
  optionalInteger,
  optionalString,
  timestamp,
  tokenIdList,
} from './kv-event-fields.js';

export const KvEventTag = {
  BlockStored: 'BlockStored',
  BlockRemoved: 'BlockRemoved',
  AllBlocksCleared: 'AllBlocksCleared',
} as const;
export type KvEventTag = (typeof KvEventTag)[keyof typeof KvEventTag];

export const KvEventLayout = { Array: 'array', Map: 'map' } as const;
export type KvEventLayout = (typeof KvEventLayout)[keyof typeof KvEventLayout];

export interface KvEventDecodeOptions {
  /** Called for an event whose tag this decoder does not know (a newer vLLM); the event is skipped. */
  readonly onUnknownEvent?: (tag: string) => void;
}

// uint64 hashes beyond 2^53 must survive: int64/uint64 come back as bigint.
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'bigint' });
const packr = new Packr({ useRecords: false });

/** Decodes one msgpack payload (the third ZMQ frame). Throws KvEventDecodeError on any malformed input. */
export function decodeKvEventBatch(payload: Uint8Array, options: KvEventDecodeOptions = {}): KvEventBatch {
  let raw: unknown;
  try {
    raw = unpackr.unpack(payload);
  } catch (error) {
    throw new KvEventDecodeError(`not valid msgpack (${(error as Error).message})`, '', { cause: error });
  }
  return decodeBatch(raw, options);
}

export function decodeBatch(raw: unknown, options: KvEventDecodeOptions = {}): KvEventBatch {
  let ts: unknown;
  let events: unknown;
  let rank: unknown;
  if (Array.isArray(raw)) {
    if (raw.length < 2 || raw.length > 3) fail('batch', `expected [ts, events, data_parallel_rank?], got ${raw.length} elements`);
    [ts, events, rank] = raw as unknown[];
  } else if (isRecord(raw)) {
    ({ ts, events, data_parallel_rank: rank } = raw);
  } else {
    fail('batch', 'expected an array or a map');
  }
  if (!Array.isArray(events)) fail('events', 'expected an array');
  const decoded: KvCacheEvent[] = [];
  events.forEach((event, i) => {
    const result = decodeEvent(event, `events[${i}]`);
    if (typeof result === 'string') options.onUnknownEvent?.(result);
    else decoded.push(result);
  });
  return { ts: timestamp(ts, 'ts'), events: decoded, dataParallelRank: optionalInteger(rank, 'data_parallel_rank') };
}

/** Returns the event, or the tag string of an event type this decoder does not know. */
function decodeEvent(raw: unknown, path: string): KvCacheEvent | string {
  if (Array.isArray(raw)) return decodeArrayEvent(raw, path);
  if (isRecord(raw)) return decodeMapEvent(raw, path);
  return fail(path, 'expected a tagged array or map');
}

function decodeArrayEvent(raw: unknown[], path: string): KvCacheEvent | string {
  const tag = raw[0];
  if (typeof tag !== 'string') fail(`${path}[0]`, 'expected the event tag string');
  switch (tag) {
    case KvEventTag.BlockStored:
      // lora_id joined block_size in the first release (#16750); medium came with #19737.
      if (raw.length < 6) fail(path, `BlockStored needs at least 6 elements, got ${raw.length}`);
      return {
        type: 'BlockStored',
        blockHashes: blockHashList(raw[1], `${path}.block_hashes`),
        parentBlockHash: optionalBlockHash(raw[2], `${path}.parent_block_hash`),
        tokenIds: tokenIdList(raw[3], `${path}.token_ids`),
        blockSize: positive(raw[4], `${path}.block_size`),
        loraId: optionalInteger(raw[5], `${path}.lora_id`),
        medium: optionalString(raw[6], `${path}.medium`),
      };
    case KvEventTag.BlockRemoved:
      if (raw.length < 2) fail(path, `BlockRemoved needs at least 2 elements, got ${raw.length}`);
      return {
        type: 'BlockRemoved',
        blockHashes: blockHashList(raw[1], `${path}.block_hashes`),
        medium: optionalString(raw[2], `${path}.medium`),
      };
    case KvEventTag.AllBlocksCleared:
      return { type: 'AllBlocksCleared' };
    default:
      return tag;
  }
}

function decodeMapEvent(raw: Record<string, unknown>, path: string): KvCacheEvent | string {
  const tag = raw['type'];
  if (typeof tag !== 'string') fail(`${path}.type`, 'expected the event tag string');
  switch (tag) {
    case KvEventTag.BlockStored:
      return {
        type: 'BlockStored',
        blockHashes: blockHashList(raw['block_hashes'], `${path}.block_hashes`),
        parentBlockHash: optionalBlockHash(raw['parent_block_hash'], `${path}.parent_block_hash`),
        tokenIds: tokenIdList(raw['token_ids'], `${path}.token_ids`),
        blockSize: positive(raw['block_size'], `${path}.block_size`),
        loraId: optionalInteger(raw['lora_id'], `${path}.lora_id`),
        medium: optionalString(raw['medium'], `${path}.medium`),
      };
    case KvEventTag.BlockRemoved:
      return {
        type: 'BlockRemoved',
        blockHashes: blockHashList(raw['block_hashes'], `${path}.block_hashes`),
        medium: optionalString(raw['medium'], `${path}.medium`),
      };
    case KvEventTag.AllBlocksCleared:
      return { type: 'AllBlocksCleared' };
    default:
      return tag;
  }
}

function positive(value: unknown, path: string): number {
  const n = count(value, path);
  if (n === 0) fail(path, 'expected a positive integer, got 0');
  return n;
}

/**
 * Canonical hash string back to its wire value: decimal -> bigint (always written as a msgpack
 * int64/uint64, never as a float, which msgspec would reject for an int field); 'x'+hex -> bytes.
 */
function wireHash(hash: string): bigint | Buffer {
  if (/^x([0-9a-f]{2})*$/.test(hash)) return Buffer.from(hash.slice(1), 'hex');
  if (/^-?\d+$/.test(hash)) return BigInt(hash);
  throw new TypeError(`not a canonical block hash: '${hash}'`);
}

function encodeEvent(event: KvCacheEvent, layout: KvEventLayout): unknown {
  const fields: Record<string, unknown> = { type: event.type };
  if (event.type === 'BlockStored') {
    fields['block_hashes'] = event.blockHashes.map(wireHash);
    fields['parent_block_hash'] = event.parentBlockHash === null ? null : wireHash(event.parentBlockHash);
    fields['token_ids'] = [...event.tokenIds];
    fields['block_size'] = event.blockSize;
    fields['lora_id'] = event.loraId;
    fields['medium'] = event.medium;
  } else if (event.type === 'BlockRemoved') {
    fields['block_hashes'] = event.blockHashes.map(wireHash);
    fields['medium'] = event.medium;
  }
  return layout === KvEventLayout.Map ? fields : Object.values(fields);
}

/** Encodes a batch as vLLM does; layout 'array' (default) is the one every vLLM consumer reads. */
export function encodeKvEventBatch(batch: KvEventBatch, layout: KvEventLayout = KvEventLayout.Array): Buffer {
  const events = batch.events.map((event) => encodeEvent(event, layout));
  if (layout === KvEventLayout.Map) {
    const map: Record<string, unknown> = { ts: batch.ts, events };
    if (batch.dataParallelRank !== null) map['data_parallel_rank'] = batch.dataParallelRank;
    return packr.pack(map);
  }
  // omit_defaults: a None data_parallel_rank is left off the end.
  return packr.pack(batch.dataParallelRank === null ? [batch.ts, events] : [batch.ts, events, batch.dataParallelRank]);
}

export { KvEventDecodeError };
