// A span as the tests' OTLP receiver sees it, flattened for assertions: ids as lowercase hex,
// attributes as a plain object. Produced by otlp-json-decoder.ts.

export type OtlpAttributeValue = string | number | boolean | null | OtlpAttributeValue[] | { [key: string]: OtlpAttributeValue };

export interface CollectedSpanEvent {
  readonly name: string;
  readonly timeUnixNano: bigint;
  readonly attributes: Readonly<Record<string, OtlpAttributeValue>>;
}

export interface CollectedSpan {
  /** 32 hex digits. */
  readonly traceId: string;
  /** 16 hex digits. */
  readonly spanId: string;
  /** 16 hex digits; undefined for a root span. */
  readonly parentSpanId: string | undefined;
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer (0 unspecified). */
  readonly kind: number;
  /** service.name of the span's resource. */
  readonly serviceName: string | undefined;
  readonly resourceAttributes: Readonly<Record<string, OtlpAttributeValue>>;
  readonly scopeName: string | undefined;
  readonly attributes: Readonly<Record<string, OtlpAttributeValue>>;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  readonly status: { readonly code: number; readonly message: string };
  readonly events: readonly CollectedSpanEvent[];
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
}

export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

/** OTLP's AnyValue int64 arrives as a decimal string in JSON and may exceed 2^53: keep it a number when exact. */
export function int64ToNumber(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}
