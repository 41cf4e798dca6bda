// The tests' OTLP receiver (test/support/otlp-receiver.ts) against the SDK's own OTLP/JSON exporter:
// spans exported over http/json must decode with every attribute type intact; bodies that are not
// OTLP JSON are refused as an OTLP/HTTP server refuses them.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { SpanKind, initTracing, withSpan } from '../../../shared/telemetry/index.js';
import type { TracingHandle } from '../../../shared/telemetry/index.js';
import { OtlpDecodeError } from '../../support/collected-span.js';
import { decodeOtlpTraceJson } from '../../support/otlp-json-decoder.js';
import { OtlpReceiver } from '../../support/otlp-receiver.js';

const ATTRIBUTES = {
  text: 'héllo',
  int: 7,
  negative: -3,
  double: 0.25,
  flag: true,
  strings: ['a', 'b'],
  numbers: [1, 2.5],
  bools: [false],
};

/** A minimal ExportTraceServiceRequest in OTLP/JSON: one resource, one scope, one span. */
const ONE_SPAN = JSON.stringify({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
      scopeSpans: [
        {
          scope: { name: 'llm-atc' },
          spans: [
            {
              traceId: '5B8EFFF798038103D269B633813FC60C',
              spanId: 'EEE19B7EC3C1B174',
              name: 'parent',
              kind: 2,
              startTimeUnixNano: '1544712660000000000',
              endTimeUnixNano: '1544712661000000000',
              attributes: [
                { key: 'big', value: { intValue: '9007199254740993' } },
                { key: 'map', value: { kvlistValue: { values: [{ key: 'k', value: { doubleValue: 1.5 } }] } } },
                { key: 'raw', value: { bytesValue: 'AQI=' } },
              ],
              status: { code: 2, message: 'boom' },
            },
          ],
        },
      ],
    },
  ],
});

describe("telemetry: the tests' OTLP receiver", () => {
  let receiver: OtlpReceiver;
  let handle: TracingHandle | undefined;
  beforeEach(async () => {
    receiver = await OtlpReceiver.start();
  });
  afterEach(async () => {
    await handle?.shutdown();
    handle = undefined;
    await receiver.close();
  });

  it('decodes what the SDK exports over http/json, every attribute type intact', async () => {
    handle = initTracing('svc', { env: { ...receiver.env(), OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test' } });
    let traceId = '';
    withSpan(
      'parent',
      ATTRIBUTES,
      (span) => {
        traceId = span.spanContext().traceId;
        span.addEvent('first_token', { tokens: 1 });
        withSpan('child', {}, () => undefined, { kind: SpanKind.PRODUCER });
      },
      { kind: SpanKind.SERVER },
    );
    await handle.shutdown(); // flushes the batch
    const spans = await receiver.waitForSpans(() => true, 5000, 2);
    const parent = spans.find((s) => s.name === 'parent')!;
    const child = spans.find((s) => s.name === 'child')!;
    assert.deepEqual(parent.attributes, ATTRIBUTES);
    assert.equal(parent.serviceName, 'svc');
    assert.equal(parent.resourceAttributes['deployment.environment'], 'test');
    assert.deepEqual(
      parent.events.map((e) => [e.name, e.attributes]),
      [['first_token', { tokens: 1 }]],
    );
    assert.equal(child.parentSpanId, parent.spanId);
    // OTLP kinds are the API's plus one: SERVER 1 -> 2, PRODUCER 3 -> 4.
    assert.deepEqual([parent.kind, child.kind], [2, 4]);
    assert.equal(parent.traceId, traceId);
  });

  it('decodes ids to lowercase hex, int64 beyond 2^53 as a string, maps, bytes and status', () => {
    const [span] = decodeOtlpTraceJson(ONE_SPAN);
    assert.equal(span!.traceId, '5b8efff798038103d269b633813fc60c');
    assert.equal(span!.parentSpanId, undefined);
    assert.deepEqual(span!.attributes, { big: '9007199254740993', map: { k: 1.5 }, raw: 'AQI=' });
    assert.deepEqual(span!.status, { code: 2, message: 'boom' });
    assert.equal(span!.endTimeUnixNano - span!.startTimeUnixNano, 1_000_000_000n);
  });

  it('rejects bodies that are not OTLP JSON', () => {
    assert.throws(() => decodeOtlpTraceJson('{not json'), OtlpDecodeError);
    assert.throws(() => decodeOtlpTraceJson('[]'), OtlpDecodeError);
    // An empty request is valid: no spans.
    assert.deepEqual(decodeOtlpTraceJson('{}'), []);
  });

  it('answers 200, 400, 404 and 415 as an OTLP/HTTP server would, and accepts gzip', async () => {
    const post = (path: string, type: string, body: Uint8Array | string, headers: Record<string, string> = {}) =>
      fetch(`${receiver.url}${path}`, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
    const rows: Array<[why: string, response: Promise<Response>, status: number]> = [
      ['JSON', post('/v1/traces', 'application/json', ONE_SPAN), 200],
      ['gzipped JSON', post('/v1/traces', 'application/json; charset=utf-8', gzipSync(ONE_SPAN), { 'content-encoding': 'gzip' }), 200],
      ['bad JSON', post('/v1/traces', 'application/json', '{'), 400],
      ['wrong path', post('/v1/metrics', 'application/json', '{}'), 404],
      // Services under test export http/json; protobuf has no decoder here.
      ['protobuf', post('/v1/traces', 'application/x-protobuf', new Uint8Array([0x0a, 0])), 415],
      ['unknown content type', post('/v1/traces', 'text/plain', 'x'), 415],
    ];
    for (const [why, response, status] of rows) {
      const res = await response;
      await res.arrayBuffer();
      assert.equal(res.status, status, why);
    }
    // Two good exports of one span each.
    const collected = await receiver.waitForSpans((s) => s.name === 'parent', 1000, 2);
    assert.equal(collected.length, 2);
    assert.equal(receiver.spans.length, 2);
    await assert.rejects(
      receiver.waitForSpans((s) => s.name === 'never', 20),
      /timed out after 20 ms .*svc\/parent/,
    );
  });
});
