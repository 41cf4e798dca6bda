// Field validators for decoding vLLM's KV events: each checks one wire value and names the field
// (as a path like 'events[2].block_hashes[0]') in the error, so a bad publisher is easy to find.
import { canonicalBlockHash } from '../block-hash.js';
import type { EngineBlockHash } from '../types.js';

/** A malformed vLLM KV event payload; `path` names the offending field. */
export class KvEventDecodeError extends Error {
  override name = 'KvEventDecodeError';
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(path ? `${path}: ${message}` : message, options);
  }
}

export function fail(path: string, message: string): never {
  throw new KvEventDecodeError(message, path);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value;
}

/** ExternalBlockHash = bytes | int (vllm/v1/core/kv_cache_utils.py); ints may be negative (Python's builtin hash). */
export function blockHash(value: unknown, path: string): EngineBlockHash {
  if (typeof value === 'bigint' || value instanceof Uint8Array) return canonicalBlockHash(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return canonicalBlockHash(value);
  return fail(path, `expected an integer or bytes block hash, got ${describe(value)} ${typeof value === 'number' ? value : ''}`.trimEnd());
}

export function blockHashList(value: unknown, path: string): EngineBlockHash[] {
  if (!Array.isArray(value)) fail(path, `expected an array, got ${describe(value)}`);
  return value.map((hash, i) => blockHash(hash, `${path}[${i}]`));
}

export function optionalBlockHash(value: unknown, path: string): EngineBlockHash | null {
  return value === null || value === undefined ? null : blockHash(value, path);
}

/** A non-negative integer that fits a JS number (token ids, block sizes). */
export function count(value: unknown, path: string): number {
  const n = typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    fail(path, `expected a non-negative integer, got ${describe(value)}`);
  }
  return n;
}

export function tokenIdList(value: unknown, path: string): number[] {
  if (!Array.isArray(value)) fail(path, `expected an array, got ${describe(value)}`);
  return value.map((id, i) => count(id, `${path}[${i}]`));
}

export function optionalInteger(value: unknown, path: string): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) fail(path, `expected an integer or null, got ${describe(value)}`);
  return n;
}

export function optionalString(value: unknown, path: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') fail(path, `expected a string or null, got ${describe(value)}`);
  return value;
}

/** Seconds since the epoch; msgspec writes a float, but an integral value may come as an int. */
export function timestamp(value: unknown, path: string): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) fail(path, `expected a finite number, got ${describe(value)}`);
  return n;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
