// Decoding OTLP trace export requests (both OTLP/HTTP encodings) into flat spans: what an in-process
// collector needs (test/support/otlp-receiver.ts).
export { OtlpDecodeError, int64ToNumber } from './collected-span.js';
export type { CollectedSpan, CollectedSpanEvent, OtlpAttributeValue } from './collected-span.js';
export { decodeOtlpTraceJson } from './otlp-json-decoder.js';
export { decodeOtlpTraceProtobuf } from './otlp-protobuf-decoder.js';
