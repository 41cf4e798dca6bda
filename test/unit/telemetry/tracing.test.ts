// initTracing end to end, in process: off by default (no SDK registered), and on, exporting to an
// OTLP receiver over http/json, and selecting the protobuf exporter for http/protobuf. Every test
// shuts tracing down, leaving the global API as it found it.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MsgHdrs } from '@nats-io/transport-node';
import { ProxyTracerProvider, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { AtcError, ErrorCode } from '../../../shared/protocol/index.js';
import {
  AtcAttr,
  GenAiAttr,
  SpanKind,
  TracingAlreadyStartedError,
  contextFromMessage,
  currentTraceIds,
  initTracing,
  traceHeaders,
  withSpan,
  type TracingHandle,
} from '../../../shared/telemetry/index.js';
import { OtlpReceiver } from '../../support/otlp-receiver.js';

/** OTLP SpanKind numbers (opentelemetry-proto trace.proto): the API's enum plus one. */
const OtlpKind = { Internal: 1, Server: 2, Client: 3, Producer: 4, Consumer: 5 } as const;

describe('telemetry: tracing', () => {
  let handle: TracingHandle | undefined;
  afterEach(async () => {
    await handle?.shutdown();
    handle = undefined;
  });

  it('is off with nothing configured: no provider, no context manager, spans do not record', async () => {
    handle = initTracing('ingress', { env: {} });
    assert.equal(handle.enabled, false);
    const provider = trace.getTracerProvider();
    assert.ok(provider instanceof ProxyTracerProvider);
    // The proxy has no SDK delegate: getTracer answers with the API's no-op tracer.
    assert.equal(provider.getDelegateTracer('x'), undefined);
    const inside = await withSpan('work', {}, async (span) => {
      assert.equal(span.isRecording(), false);
      // The no-op context manager keeps nothing: no trace ids for log lines.
      return currentTraceIds();
    });
    assert.equal(inside, undefined);
    assert.equal(traceHeaders(), undefined);
    await handle.forceFlush();
  });

  it('refuses a second start before shutdown, and starts again after it', async () => {
    handle = initTracing('a', { env: {}, exporter: new InMemorySpanExporter() });
    assert.throws(() => initTracing('b', { env: {}, exporter: new InMemorySpanExporter() }), TracingAlreadyStartedError);
    await handle.shutdown();
    await handle.shutdown(); // idempotent
    handle = initTracing('b', { env: {}, exporter: new InMemorySpanExporter() });
    assert.equal(handle.serviceName, 'b');
  });

  it('withSpan nests spans, returns the value, records errors and rethrows', async () => {
    const exporter = new InMemorySpanExporter();
    handle = initTracing('worker', { env: {}, exporter });
    const value = withSpan('outer', { [AtcAttr.RequestId]: 'r1' }, () => withSpan('inner', {}, () => 42));
    assert.equal(value, 42);
    await assert.rejects(
      withSpan('failing', {}, async () => {
        await Promise.resolve();
        throw new AtcError(ErrorCode.WorkerLost, 'worker went silent');
      }),
      /worker went silent/,
    );
    assert.throws(
      () =>
        withSpan('throwing', {}, () => {
          throw new TypeError('sync');
        }),
      TypeError,
    );
    const spans = exporter.getFinishedSpans();
    const byName = new Map(spans.map((s) => [s.name, s]));
    assert.equal(byName.get('inner')!.parentSpanContext?.spanId, byName.get('outer')!.spanContext().spanId);
    assert.equal(byName.get('outer')!.attributes[AtcAttr.RequestId], 'r1');
    const failing = byName.get('failing')!;
    assert.equal(failing.status.code, SpanStatusCode.ERROR);
    // error.type is the AtcError's code, so traces group by failure kind.
    assert.equal(failing.attributes['error.type'], ErrorCode.WorkerLost);
    assert.equal(failing.events[0]?.name, 'exception');
    assert.equal(byName.get('throwing')!.attributes['error.type'], 'TypeError');
  });

  it('exports to an OTLP receiver over http/json: service name, parents across a NATS hop, attributes', async () => {
    const receiver = await OtlpReceiver.start();
    try {
      handle = initTracing('ingress', { env: receiver.env(), resourceAttributes: { 'service.instance.id': 'i-1' } });
      assert.equal(handle.enabled, true);
      let sentHeaders: MsgHdrs | undefined;
      await withSpan(
        'POST /v1/chat/completions',
        { [GenAiAttr.RequestModel]: 'llama-3-8b', [GenAiAttr.UsageInputTokens]: 12 },
        async () => {
          await withSpan(
            'ingress.pick',
            { [AtcAttr.Candidates]: 3, [AtcAttr.PdFallback]: false },
            async () => {
              sentHeaders = traceHeaders();
            },
            { kind: SpanKind.CLIENT },
          );
        },
        { kind: SpanKind.SERVER },
      );
      // The receiving side of the NATS hop: its span's parent comes from the headers alone.
      withSpan('scheduler.pick', {}, () => undefined, { parent: contextFromMessage({ headers: sentHeaders }), kind: SpanKind.SERVER });
      await handle.shutdown(); // flushes the batch
      const spans = await receiver.waitForSpans(() => true, 5000, 3);
      const byName = new Map(spans.map((s) => [s.name, s]));
      const root = byName.get('POST /v1/chat/completions')!;
      const pick = byName.get('ingress.pick')!;
      const remote = byName.get('scheduler.pick')!;
      assert.equal(root.serviceName, 'ingress');
      assert.equal(root.resourceAttributes['service.instance.id'], 'i-1');
      assert.equal(root.parentSpanId, undefined);
      assert.equal(root.kind, OtlpKind.Server);
      assert.deepEqual(root.attributes, { 'gen_ai.request.model': 'llama-3-8b', 'gen_ai.usage.input_tokens': 12 });
      assert.equal(pick.parentSpanId, root.spanId);
      assert.equal(pick.kind, OtlpKind.Client);
      assert.deepEqual(pick.attributes, { 'atc.scheduler.candidates': 3, 'atc.pd.fallback': false });
      // One trace across the hop, the remote span a child of the span that sent the message.
      assert.deepEqual([pick.traceId, remote.traceId], [root.traceId, root.traceId]);
      assert.equal(remote.parentSpanId, pick.spanId);
      assert.match(root.traceId, /^[0-9a-f]{32}$/);
      assert.equal(root.scopeName, 'llm-atc');
      assert.ok(root.endTimeUnixNano >= root.startTimeUnixNano);
      assert.deepEqual(
        receiver.exports.map((e) => e.contentType),
        ['application/json'],
      );
    } finally {
      await receiver.close();
    }
  });

  it('http/protobuf (the default) selects the protobuf exporter: POST /v1/traces as application/x-protobuf', async () => {
    // A bare HTTP endpoint: nothing here decodes protobuf, so check what proves the encoding, the
    // content type and a body that carries the span's strings, as protobuf carries them, in UTF-8.
    const requests: Array<{ path: string | undefined; headers: IncomingHttpHeaders; body: Buffer }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        requests.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      handle = initTracing('scheduler', {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_SCHEDULE_DELAY: '50' },
      });
      withSpan('scheduler.pick', { [AtcAttr.Candidates]: 2 }, () => undefined);
      await handle.shutdown(); // flushes the batch
      assert.equal(requests.length, 1);
      const [request] = requests;
      assert.equal(request!.path, '/v1/traces');
      assert.equal(request!.headers['content-type'], 'application/x-protobuf');
      assert.ok(request!.body.length > 0, 'a non-empty body');
      assert.notEqual(request!.body[0], '{'.charCodeAt(0), 'not JSON');
      for (const text of ['scheduler.pick', 'scheduler', AtcAttr.Candidates])
        assert.ok(request!.body.includes(text), `the body carries '${text}'`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('honours OTEL_SERVICE_NAME and sends error status and events', async () => {
    const receiver = await OtlpReceiver.start();
    try {
      handle = initTracing('decode-worker', { env: { ...receiver.env(), OTEL_SERVICE_NAME: 'decode-eu-1' } });
      assert.throws(() =>
        withSpan('decode_worker.generate', { [AtcAttr.ExcludedWorkers]: ['a', 'b'] }, () => {
          throw new AtcError(ErrorCode.EngineFailed, 'engine 500');
        }),
      );
      await handle.shutdown();
      const [span] = await receiver.waitForSpans((s) => s.name === 'decode_worker.generate', 5000);
      assert.equal(span!.serviceName, 'decode-eu-1');
      assert.deepEqual(span!.status, { code: 2, message: 'engine 500' });
      assert.deepEqual(span!.attributes[AtcAttr.ExcludedWorkers], ['a', 'b']);
      assert.equal(span!.events[0]?.name, 'exception');
      assert.equal(span!.events[0]?.attributes['exception.message'], 'engine 500');
    } finally {
      await receiver.close();
    }
  });

  it('drops every span with OTEL_TRACES_SAMPLER=always_off', async () => {
    const exporter = new InMemorySpanExporter();
    handle = initTracing('svc', { env: { OTEL_TRACES_SAMPLER: 'always_off' }, exporter });
    withSpan('dropped', {}, (span) => assert.equal(span.isRecording(), false));
    await handle.forceFlush();
    assert.deepEqual(exporter.getFinishedSpans(), []);
  });
});
