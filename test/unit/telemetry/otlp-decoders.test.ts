// The receiver's two decoders against the SDK's own serializers: the same spans, serialized as OTLP
// protobuf and as OTLP JSON, must decode to the same CollectedSpans with every attribute type intact.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { SpanKind, initTracing, withSpan } from '../../../shared/telemetry/index.js';
import { OtlpDecodeError, decodeOtlpTraceJson, decodeOtlpTraceProtobuf } from '../../../shared/telemetry/otlp/index.js';
import { OtlpReceiver } from '../../support/otlp-receiver.js';

async function recordSpans() {
  const exporter = new InMemorySpanExporter();
  const tracing = initTracing('svc', { env: { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test' }, exporter });
  try {
    withSpan('parent', {
      text: 'héllo', int: 7, negative: -3, double: 0.25, flag: true, strings: ['a', 'b'], numbers: [1, 2.5], bools: [false],
    }, (span) => {
      span.addEvent('first_token', { tokens: 1 });
      withSpan('child', {}, () => undefined, { kind: SpanKind.PRODUCER });
    }, { kind: SpanKind.SERVER });
    return exporter.getFinishedSpans();
  } finally {
    await tracing.shutdown();
  }
}

describe('telemetry: OTLP trace decoders', () => {
  it('decode the SDK serializers\' protobuf and JSON to the same spans', async () => {
    const spans = await recordSpans();
    const fromProtobuf = decodeOtlpTraceProtobuf(ProtobufTraceSerializer.serializeRequest(spans)!);
    const fromJson = decodeOtlpTraceJson(JsonTraceSerializer.serializeRequest(spans)!);
    assert.deepEqual(fromProtobuf, fromJson);
    const parent = fromProtobuf.find((s) => s.name === 'parent')!;
    const child = fromProtobuf.find((s) => s.name === 'child')!;
    assert.deepEqual(parent.attributes, {
      text: 'héllo', int: 7, negative: -3, double: 0.25, flag: true, strings: ['a', 'b'], numbers: [1, 2.5], bools: [false],
    });
    assert.equal(parent.serviceName, 'svc');
    assert.equal(parent.resourceAttributes['deployment.environment'], 'test');
    assert.deepEqual(parent.events.map((e) => [e.name, e.attributes]), [['first_token', { tokens: 1 }]]);
    assert.equal(child.parentSpanId, parent.spanId);
    // OTLP kinds are the API's plus one: SERVER 1 -> 2, PRODUCER 3 -> 4.
    assert.deepEqual([parent.kind, child.kind], [2, 4]);
    assert.equal(parent.traceId, spans[0]!.spanContext().traceId);
  });

  it('reject bodies that are not OTLP', () => {
    assert.throws(() => decodeOtlpTraceJson('{not json'), OtlpDecodeError);
    assert.throws(() => decodeOtlpTraceJson('[]'), OtlpDecodeError);
    // Field 1, length-delimited, claiming 100 bytes that are not there.
    assert.throws(() => decodeOtlpTraceProtobuf(Uint8Array.from([0x0a, 100, 1, 2])), OtlpDecodeError);
    // An empty request is valid protobuf: no spans.
    assert.deepEqual(decodeOtlpTraceProtobuf(new Uint8Array()), []);
  });

  it('the receiver answers 200, 400, 404 and 415 as an OTLP/HTTP server would, and accepts gzip', async () => {
    const receiver = await OtlpReceiver.start();
    try {
      const spans = await recordSpans();
      const post = (path: string, type: string, body: Uint8Array | string, headers: Record<string, string> = {}) =>
        fetch(`${receiver.url}${path}`, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
      const rows: Array<[why: string, response: Promise<Response>, status: number]> = [
        ['protobuf', post('/v1/traces', 'application/x-protobuf', ProtobufTraceSerializer.serializeRequest(spans)!), 200],
        ['gzipped JSON', post('/v1/traces', 'application/json', gzipSync(JsonTraceSerializer.serializeRequest(spans)!), { 'content-encoding': 'gzip' }), 200],
        ['bad JSON', post('/v1/traces', 'application/json', '{'), 400],
        ['wrong path', post('/v1/metrics', 'application/json', '{}'), 404],
        ['unknown content type', post('/v1/traces', 'text/plain', 'x'), 415],
      ];
      for (const [why, response, status] of rows) {
        const res = await response;
        await res.arrayBuffer();
        assert.equal(res.status, status, why);
      }
      // Two good exports of two spans each.
      const collected = await receiver.waitForSpans((s) => s.name === 'child', 1000, 2);
      assert.equal(collected.length, 2);
      assert.equal(receiver.spans.length, 4);
      await assert.rejects(receiver.waitForSpans((s) => s.name === 'never', 20), /timed out after 20 ms .*svc\/parent/);
    } finally {
      await receiver.close();
    }
  });
});
