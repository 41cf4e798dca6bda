// W3C trace context through NATS headers and HTTP headers. No SDK and no server: span contexts are made
// by hand and the headers go through NATS's own wire encoding (MsgHdrsImpl.encode/decode).
import assert from 'node:assert/strict';
import { MsgHdrsImpl, headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { ROOT_CONTEXT, TraceFlags, trace, type Context } from '@opentelemetry/api';
import {
  contextFromHttpHeaders,
  contextFromMessage,
  contextFromNatsHeaders,
  currentTraceId,
  currentTraceIds,
  injectTraceContext,
  traceHeaders,
  traceHttpHeaders,
} from '../../../shared/telemetry/index.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

function spanContext(flags: number = TraceFlags.SAMPLED, traceState?: string): Context {
  const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: flags });
  if (traceState === undefined) return ctx;
  // A TraceState from the propagator's own parser, as a received one would be.
  const received = contextFromHttpHeaders({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: traceState });
  return trace.setSpanContext(ROOT_CONTEXT, { ...trace.getSpanContext(ctx)!, traceState: trace.getSpanContext(received)!.traceState! });
}

/** Through the NATS wire format and back, as a receiving service sees the headers. */
const overTheWire = (h: MsgHdrs): MsgHdrs => MsgHdrsImpl.decode((h as MsgHdrsImpl).encode());

describe('telemetry: trace context over NATS headers', () => {
  it('round-trips trace id, span id and sampled flag', () => {
    const headers = traceHeaders(spanContext());
    assert.ok(headers);
    assert.equal(headers.get('traceparent'), `00-${TRACE_ID}-${SPAN_ID}-01`);
    const received = trace.getSpanContext(contextFromNatsHeaders(overTheWire(headers)));
    assert.deepEqual(
      { traceId: received?.traceId, spanId: received?.spanId, traceFlags: received?.traceFlags, isRemote: received?.isRemote },
      { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true },
    );
  });

  it('keeps the unsampled flag (a downstream service must not sample what the root dropped)', () => {
    const headers = traceHeaders(spanContext(TraceFlags.NONE))!;
    assert.equal(headers.get('traceparent'), `00-${TRACE_ID}-${SPAN_ID}-00`);
    assert.equal(trace.getSpanContext(contextFromNatsHeaders(overTheWire(headers)))?.traceFlags, TraceFlags.NONE);
  });

  it('round-trips tracestate', () => {
    const headers = traceHeaders(spanContext(TraceFlags.SAMPLED, 'vendor=abc,other=1'))!;
    assert.equal(headers.get('tracestate'), 'vendor=abc,other=1');
    const received = trace.getSpanContext(contextFromNatsHeaders(overTheWire(headers)));
    assert.equal(received?.traceState?.get('vendor'), 'abc');
  });

  it('adds nothing without a span: no header block for an untraced message', () => {
    assert.equal(traceHeaders(ROOT_CONTEXT), undefined);
    const base = natsHeaders();
    base.set('Atc-Request-Id', 'r1');
    // The base comes back as it was.
    assert.equal(traceHeaders(ROOT_CONTEXT, base), base);
    assert.deepEqual(base.keys(), ['Atc-Request-Id']);
    assert.equal(injectTraceContext(base, ROOT_CONTEXT), false);
  });

  it('adds trace headers beside existing ones', () => {
    const base = natsHeaders();
    base.set('Atc-Request-Id', 'r1');
    assert.equal(injectTraceContext(base, spanContext()), true);
    const received = overTheWire(base);
    assert.equal(received.get('Atc-Request-Id'), 'r1');
    assert.equal(trace.getSpanContext(contextFromMessage({ headers: received }))?.traceId, TRACE_ID);
  });

  it('extracts whatever the headers hold, or nothing', () => {
    const rows: Array<[why: string, headers: MsgHdrs | undefined, traceId: string | undefined]> = [
      ['no headers at all', undefined, undefined],
      [
        'headers without trace context',
        (() => {
          const h = natsHeaders();
          h.set('x', 'y');
          return h;
        })(),
        undefined,
      ],
      [
        'a peer that capitalises the key',
        (() => {
          const h = natsHeaders();
          h.set('Traceparent', `00-${TRACE_ID}-${SPAN_ID}-01`);
          return h;
        })(),
        TRACE_ID,
      ],
      [
        'all-zero trace id is invalid (W3C)',
        (() => {
          const h = natsHeaders();
          h.set('traceparent', `00-${'0'.repeat(32)}-${SPAN_ID}-01`);
          return h;
        })(),
        undefined,
      ],
      [
        'garbage',
        (() => {
          const h = natsHeaders();
          h.set('traceparent', 'not-a-traceparent');
          return h;
        })(),
        undefined,
      ],
    ];
    for (const [why, headers, traceId] of rows) {
      assert.equal(currentTraceId(contextFromNatsHeaders(headers)), traceId, why);
    }
  });

  it('extracts onto the root context by default, not onto whatever is active', () => {
    // Even with a base that has a span, a message without trace headers yields that base unchanged.
    const base = spanContext();
    assert.equal(contextFromNatsHeaders(undefined, base), base);
    assert.equal(contextFromNatsHeaders(undefined), ROOT_CONTEXT);
  });
});

describe('telemetry: trace context over HTTP headers', () => {
  it("reads an incoming request's traceparent", () => {
    const ctx = contextFromHttpHeaders({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, host: 'x' });
    assert.deepEqual(currentTraceIds(ctx), { traceId: TRACE_ID, spanId: SPAN_ID });
  });

  it('writes headers for an outgoing request, and none without a span', () => {
    assert.deepEqual(traceHttpHeaders(spanContext()), { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
    assert.deepEqual(traceHttpHeaders(ROOT_CONTEXT), {});
  });

  it('has no current trace ids outside any span', () => {
    assert.equal(currentTraceIds(), undefined);
    assert.equal(currentTraceId(ROOT_CONTEXT), undefined);
  });
});
