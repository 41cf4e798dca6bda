// Minimal structural validation for decoded wire messages. Each check names the field path, so a bad
// message is rejected with an error that says what was wrong.
import { ProtocolError } from './errors.js';

export type Rec = Record<string, unknown>;

export function record(value: unknown, path: string): Rec {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new ProtocolError(`${path} must be an object`);
  }
  return value as Rec;
}

export function str(obj: Rec, key: string, path: string, opts: { maxLength?: number } = {}): string {
  const v = obj[key];
  if (typeof v !== 'string') throw new ProtocolError(`${path}.${key} must be a string`);
  if (opts.maxLength !== undefined && v.length > opts.maxLength) throw new ProtocolError(`${path}.${key} is longer than ${opts.maxLength}`);
  return v;
}

export function optStr(obj: Rec, key: string, path: string): string | undefined {
  return obj[key] === undefined || obj[key] === null ? undefined : str(obj, key, path);
}

export function num(obj: Rec, key: string, path: string, opts: { min?: number; max?: number; int?: boolean } = {}): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ProtocolError(`${path}.${key} must be a finite number`);
  if (opts.int && !Number.isInteger(v)) throw new ProtocolError(`${path}.${key} must be an integer`);
  if (opts.min !== undefined && v < opts.min) throw new ProtocolError(`${path}.${key} must be >= ${opts.min}`);
  if (opts.max !== undefined && v > opts.max) throw new ProtocolError(`${path}.${key} must be <= ${opts.max}`);
  return v;
}

export function optNum(obj: Rec, key: string, path: string, opts: { min?: number; max?: number; int?: boolean } = {}): number | undefined {
  return obj[key] === undefined || obj[key] === null ? undefined : num(obj, key, path, opts);
}

export function bool(obj: Rec, key: string, path: string): boolean {
  const v = obj[key];
  if (typeof v !== 'boolean') throw new ProtocolError(`${path}.${key} must be a boolean`);
  return v;
}

export function optBool(obj: Rec, key: string, path: string): boolean | undefined {
  return obj[key] === undefined || obj[key] === null ? undefined : bool(obj, key, path);
}

export function strArray(obj: Rec, key: string, path: string): string[] {
  const v = obj[key];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new ProtocolError(`${path}.${key} must be an array of strings`);
  return v;
}

export function intArray(obj: Rec, key: string, path: string): number[] {
  const v = obj[key];
  if (!Array.isArray(v)) throw new ProtocolError(`${path}.${key} must be an array of integers`);
  for (const x of v) {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0)
      throw new ProtocolError(`${path}.${key} must be an array of non-negative integers`);
  }
  return v as number[];
}

/**
 * msgpack bin of float64 values (how msgpackr packs a Float64Array; byte order of the platform, little-endian
 * on every platform Node ships for), as an aligned copy: the decoded bytes may sit at any offset of the message.
 */
export function float64Bytes(obj: Rec, key: string, path: string, maxValues: number): Float64Array {
  const v = obj[key];
  if (!(v instanceof Uint8Array) || v.byteLength % 8 !== 0) throw new ProtocolError(`${path}.${key} must be bytes of float64 values`);
  if (v.byteLength / 8 > maxValues) throw new ProtocolError(`${path}.${key} holds more than ${maxValues} values`);
  return new Float64Array(new Uint8Array(v).buffer);
}

export function oneOf<T extends string>(obj: Rec, key: string, path: string, allowed: readonly T[]): T {
  const v = str(obj, key, path);
  if (!(allowed as readonly string[]).includes(v))
    throw new ProtocolError(`${path}.${key} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

export function stringMap(obj: Rec, key: string, path: string): Record<string, string> {
  const v = record(obj[key] ?? {}, `${path}.${key}`);
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw new ProtocolError(`${path}.${key}.${k} must be a string`);
  }
  return v as Record<string, string>;
}
