// Mooncake trace format (kvcache-ai/Mooncake FAST25-release/traces): one JSON object a line with
// `timestamp` (ms from the start), `input_length` and `output_length` (tokens) and `hash_ids` (prefix
// block ids, 512 tokens a block). Parsing is strict: a bad line is an error naming the line and field.
import { readFileSync } from 'node:fs';
import { MOONCAKE_BLOCK_TOKENS } from '../harness/token-ids.js';

export interface TraceRecord {
  /** ms from the start of the trace. */
  readonly timestampMs: number;
  readonly inputLength: number;
  readonly outputLength: number;
  readonly hashIds: readonly number[];
}

export class TraceFormatError extends Error {
  override name = 'TraceFormatError';
  constructor(
    readonly source: string,
    /** 1-based. */
    readonly line: number,
    readonly field: string | null,
    detail: string,
  ) {
    super(`${source}:${line}${field !== null ? ` field '${field}'` : ''}: ${detail}`);
  }
}

function isNonNegativeInteger(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

/** Parses one line (1-based lineNo for errors). */
export function parseTraceLine(text: string, lineNo: number, source = 'trace'): TraceRecord {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (err) {
    throw new TraceFormatError(source, lineNo, null, `not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new TraceFormatError(source, lineNo, null, 'not a JSON object');
  const r = o as Record<string, unknown>;
  const ts = r['timestamp'];
  if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0) {
    throw new TraceFormatError(source, lineNo, 'timestamp', `must be a finite number ≥ 0 (ms), got ${JSON.stringify(ts)}`);
  }
  const input = r['input_length'];
  if (!isNonNegativeInteger(input) || input < 1) {
    throw new TraceFormatError(source, lineNo, 'input_length', `must be an integer ≥ 1 (tokens), got ${JSON.stringify(input)}`);
  }
  const output = r['output_length'];
  if (!isNonNegativeInteger(output) || output < 1) {
    throw new TraceFormatError(source, lineNo, 'output_length', `must be an integer ≥ 1 (tokens), got ${JSON.stringify(output)}`);
  }
  const ids = r['hash_ids'];
  if (!Array.isArray(ids))
    throw new TraceFormatError(source, lineNo, 'hash_ids', `must be an array of block ids, got ${JSON.stringify(ids)}`);
  const bad = ids.findIndex((x) => !isNonNegativeInteger(x));
  if (bad >= 0)
    throw new TraceFormatError(source, lineNo, 'hash_ids', `element ${bad} must be an integer ≥ 0, got ${JSON.stringify(ids[bad])}`);
  const needed = Math.ceil(input / MOONCAKE_BLOCK_TOKENS);
  if (ids.length < needed) {
    throw new TraceFormatError(
      source,
      lineNo,
      'hash_ids',
      `${ids.length} block ids cannot cover input_length ${input} (${needed} blocks of ${MOONCAKE_BLOCK_TOKENS} tokens needed)`,
    );
  }
  return { timestampMs: ts, inputLength: input, outputLength: output, hashIds: ids as number[] };
}

/** Parses a whole trace; blank lines are skipped; timestamps must not go backwards. */
export function parseTrace(text: string, source = 'trace'): TraceRecord[] {
  const out: TraceRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const rec = parseTraceLine(line, i + 1, source);
    const prev = out[out.length - 1];
    if (prev !== undefined && rec.timestampMs < prev.timestampMs) {
      throw new TraceFormatError(
        source,
        i + 1,
        'timestamp',
        `${rec.timestampMs} is before the previous line's ${prev.timestampMs} (a trace must be in arrival order)`,
      );
    }
    out.push(rec);
  }
  if (out.length === 0) throw new TraceFormatError(source, 1, null, 'the trace has no requests');
  return out;
}

export function readTraceFile(path: string): TraceRecord[] {
  return parseTrace(readFileSync(path, 'utf8'), path);
}
