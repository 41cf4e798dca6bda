// Decodes an OTLP ExportTraceServiceRequest in protobuf (opentelemetry-proto: collector/trace/v1,
// trace/v1/trace.proto, common/v1/common.proto). The installed otlp-transformer ships a writer and a
// response reader but no request decoder, so this reads the wire format itself: just the fields a
// CollectedSpan holds, skipping every other field as protobuf allows.
import { int64ToNumber, type CollectedSpan, type CollectedSpanEvent, type OtlpAttributeValue } from './collected-span.js';
import { WireType, readMessage } from './protobuf-wire-reader.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function anyValue(buf: Uint8Array): OtlpAttributeValue {
  let value: OtlpAttributeValue = null;
  readMessage(buf, (field, wire, r) => {
    if (field === 1 && wire === WireType.LengthDelimited) value = r.string();
    else if (field === 2 && wire === WireType.Varint) value = r.varint() !== 0n;
    else if (field === 3 && wire === WireType.Varint) value = int64ToNumber(BigInt.asIntN(64, r.varint()));
    else if (field === 4 && wire === WireType.Fixed64) value = r.double();
    else if (field === 5 && wire === WireType.LengthDelimited) {
      const items: OtlpAttributeValue[] = [];
      readMessage(r.bytes(), (f, w, rr) => {
        if (f !== 1 || w !== WireType.LengthDelimited) return false;
        items.push(anyValue(rr.bytes()));
        return true;
      });
      value = items;
    } else if (field === 6 && wire === WireType.LengthDelimited) value = keyValues(r.bytes(), 1);
    else if (field === 7 && wire === WireType.LengthDelimited) value = Buffer.from(r.bytes()).toString('base64');
    else return false;
    return true;
  });
  return value;
}

function keyValue(buf: Uint8Array): [string, OtlpAttributeValue] {
  let key = '';
  let value: OtlpAttributeValue = null;
  readMessage(buf, (field, wire, r) => {
    if (field === 1 && wire === WireType.LengthDelimited) key = r.string();
    else if (field === 2 && wire === WireType.LengthDelimited) value = anyValue(r.bytes());
    else return false;
    return true;
  });
  return [key, value];
}

/** The repeated KeyValue field `field` of a message, as an object. */
function keyValues(buf: Uint8Array, field: number): Record<string, OtlpAttributeValue> {
  const out: Record<string, OtlpAttributeValue> = {};
  readMessage(buf, (f, w, r) => {
    if (f !== field || w !== WireType.LengthDelimited) return false;
    const [key, value] = keyValue(r.bytes());
    out[key] = value;
    return true;
  });
  return out;
}

interface SpanScope {
  readonly resourceAttributes: Readonly<Record<string, OtlpAttributeValue>>;
  readonly scopeName: string | undefined;
}

function span(buf: Uint8Array, scope: SpanScope): CollectedSpan {
  let traceId = '', spanId = '', parentSpanId = '', name = '', kind = 0;
  let start = 0n, end = 0n;
  const attributes: Record<string, OtlpAttributeValue> = {};
  const events: CollectedSpanEvent[] = [];
  let status = { code: 0, message: '' };
  readMessage(buf, (field, wire, r) => {
    if (field === 1 && wire === WireType.LengthDelimited) traceId = hex(r.bytes());
    else if (field === 2 && wire === WireType.LengthDelimited) spanId = hex(r.bytes());
    else if (field === 4 && wire === WireType.LengthDelimited) parentSpanId = hex(r.bytes());
    else if (field === 5 && wire === WireType.LengthDelimited) name = r.string();
    else if (field === 6 && wire === WireType.Varint) kind = Number(r.varint());
    else if (field === 7 && wire === WireType.Fixed64) start = r.fixed64();
    else if (field === 8 && wire === WireType.Fixed64) end = r.fixed64();
    else if (field === 9 && wire === WireType.LengthDelimited) {
      const [key, value] = keyValue(r.bytes());
      attributes[key] = value;
    }
    else if (field === 11 && wire === WireType.LengthDelimited) events.push(spanEvent(r.bytes()));
    else if (field === 15 && wire === WireType.LengthDelimited) status = spanStatus(r.bytes());
    else return false;
    return true;
  });
  return {
    traceId, spanId, parentSpanId: parentSpanId === '' ? undefined : parentSpanId, name, kind,
    serviceName: typeof scope.resourceAttributes['service.name'] === 'string' ? scope.resourceAttributes['service.name'] : undefined,
    resourceAttributes: scope.resourceAttributes, scopeName: scope.scopeName, attributes, status, events,
    startTimeUnixNano: start, endTimeUnixNano: end,
  };
}

function spanEvent(buf: Uint8Array): CollectedSpanEvent {
  let name = '', time = 0n;
  readMessage(buf, (field, wire, r) => {
    if (field === 1 && wire === WireType.Fixed64) time = r.fixed64();
    else if (field === 2 && wire === WireType.LengthDelimited) name = r.string();
    else return false;
    return true;
  });
  return { name, timeUnixNano: time, attributes: keyValues(buf, 3) };
}

function spanStatus(buf: Uint8Array): { code: number; message: string } {
  const status = { code: 0, message: '' };
  readMessage(buf, (field, wire, r) => {
    if (field === 2 && wire === WireType.LengthDelimited) status.message = r.string();
    else if (field === 3 && wire === WireType.Varint) status.code = Number(r.varint());
    else return false;
    return true;
  });
  return status;
}

/** InstrumentationScope.name (field 1). */
function scopeNameOf(buf: Uint8Array): string | undefined {
  let name: string | undefined;
  readMessage(buf, (field, wire, r) => {
    if (field !== 1 || wire !== WireType.LengthDelimited) return false;
    name = r.string();
    return true;
  });
  return name;
}

/** Every span in an OTLP/protobuf ExportTraceServiceRequest body. Throws OtlpDecodeError on a bad body. */
export function decodeOtlpTraceProtobuf(body: Uint8Array): CollectedSpan[] {
  const spans: CollectedSpan[] = [];
  readMessage(body, (field, wire, r) => {
    if (field !== 1 || wire !== WireType.LengthDelimited) return false;
    const resourceSpans = r.bytes();
    let resourceAttributes: Record<string, OtlpAttributeValue> = {};
    const scopeSpansList: Uint8Array[] = [];
    readMessage(resourceSpans, (f, w, rr) => {
      if (f === 1 && w === WireType.LengthDelimited) resourceAttributes = keyValues(rr.bytes(), 1);
      else if (f === 2 && w === WireType.LengthDelimited) scopeSpansList.push(rr.bytes());
      else return false;
      return true;
    });
    for (const scopeSpans of scopeSpansList) {
      let scopeName: string | undefined;
      const spanBodies: Uint8Array[] = [];
      readMessage(scopeSpans, (f, w, rr) => {
        if (f === 1 && w === WireType.LengthDelimited) scopeName = scopeNameOf(rr.bytes());
        else if (f === 2 && w === WireType.LengthDelimited) spanBodies.push(rr.bytes());
        else return false;
        return true;
      });
      for (const body of spanBodies) spans.push(span(body, { resourceAttributes, scopeName }));
    }
    return true;
  });
  return spans;
}
