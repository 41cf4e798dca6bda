// Decodes an OTLP ExportTraceServiceRequest in JSON (OTLP/HTTP JSON encoding, opentelemetry.io/docs/
// specs/otlp/#json-protobuf-encoding): lowerCamelCase keys, trace and span ids in hex, enums as
// integers, 64-bit integers as decimal strings or numbers, bytes in base64.
import { OtlpDecodeError, int64ToNumber, type CollectedSpan, type CollectedSpanEvent, type OtlpAttributeValue } from './collected-span.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const bigint = (v: unknown): bigint => (typeof v === 'string' || typeof v === 'number' ? BigInt(v) : 0n);

function anyValue(value: unknown): OtlpAttributeValue {
  if (!isObject(value)) return null;
  if ('stringValue' in value) return text(value['stringValue']);
  if ('boolValue' in value) return value['boolValue'] === true;
  if ('intValue' in value) return int64ToNumber(bigint(value['intValue']));
  if ('doubleValue' in value) return Number(value['doubleValue']);
  if ('arrayValue' in value)
    return isObject(value['arrayValue'])
      ? (Array.isArray(value['arrayValue']['values']) ? value['arrayValue']['values'] : []).map(anyValue)
      : [];
  if ('kvlistValue' in value) return isObject(value['kvlistValue']) ? keyValues(value['kvlistValue']['values']) : {};
  if ('bytesValue' in value) return text(value['bytesValue']);
  return null;
}

function keyValues(v: unknown): Record<string, OtlpAttributeValue> {
  const out: Record<string, OtlpAttributeValue> = {};
  for (const kv of list(v)) out[text(kv['key'])] = anyValue(kv['value']);
  return out;
}

function spanEvent(e: Json): CollectedSpanEvent {
  return { name: text(e['name']), timeUnixNano: bigint(e['timeUnixNano']), attributes: keyValues(e['attributes']) };
}

/** Every span in an OTLP/JSON ExportTraceServiceRequest body. Throws OtlpDecodeError on a bad body. */
export function decodeOtlpTraceJson(body: string | Uint8Array): CollectedSpan[] {
  let request: unknown;
  try {
    request = JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body));
  } catch (err) {
    throw new OtlpDecodeError(`body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isObject(request)) throw new OtlpDecodeError('body is not an ExportTraceServiceRequest object');
  const spans: CollectedSpan[] = [];
  for (const resourceSpans of list(request['resourceSpans'])) {
    const resourceAttributes = isObject(resourceSpans['resource']) ? keyValues(resourceSpans['resource']['attributes']) : {};
    const serviceName = typeof resourceAttributes['service.name'] === 'string' ? resourceAttributes['service.name'] : undefined;
    for (const scopeSpans of list(resourceSpans['scopeSpans'])) {
      const scopeName = isObject(scopeSpans['scope']) ? text(scopeSpans['scope']['name']) : undefined;
      for (const s of list(scopeSpans['spans'])) {
        const parent = text(s['parentSpanId']);
        const status = isObject(s['status']) ? s['status'] : {};
        spans.push({
          traceId: text(s['traceId']).toLowerCase(),
          spanId: text(s['spanId']).toLowerCase(),
          parentSpanId: parent === '' ? undefined : parent.toLowerCase(),
          name: text(s['name']),
          kind: Number(s['kind'] ?? 0),
          serviceName,
          resourceAttributes,
          scopeName,
          attributes: keyValues(s['attributes']),
          status: { code: Number(status['code'] ?? 0), message: text(status['message']) },
          events: list(s['events']).map(spanEvent),
          startTimeUnixNano: bigint(s['startTimeUnixNano']),
          endTimeUnixNano: bigint(s['endTimeUnixNano']),
        });
      }
    }
  }
  return spans;
}
