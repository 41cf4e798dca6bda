// W3C trace context (www.w3.org/TR/trace-context: `traceparent`, `tracestate`) across our hops: NATS
// message headers between services, HTTP headers at the ingress edge and towards vLLM. We use the W3C
// propagator directly rather than the global one, so propagation behaves the same whether or not this
// process registered an SDK (a process that does not trace still passes an incoming context on when
// the caller hands it over explicitly). With no span in the context, inject writes nothing.
import { ROOT_CONTEXT, context, trace, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Match, headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import type { IncomingHttpHeaders } from 'node:http';

export const TraceHeader = { TraceParent: 'traceparent', TraceState: 'tracestate' } as const;
export type TraceHeader = (typeof TraceHeader)[keyof typeof TraceHeader];

const w3c = new W3CTraceContextPropagator();

const natsSetter: TextMapSetter<MsgHdrs> = { set: (carrier, key, value) => carrier.set(key, value) };
// Case-insensitive: a peer in another language may send `Traceparent`.
const natsGetter: TextMapGetter<MsgHdrs> = {
  keys: (carrier) => carrier.keys(),
  get: (carrier, key) => (carrier.has(key, Match.IgnoreCase) ? carrier.get(key, Match.IgnoreCase) : undefined),
};
const recordSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};
// Node lowercases incoming header names.
const httpGetter: TextMapGetter<IncomingHttpHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key.toLowerCase()],
};

/** True when ctx holds a span whose context can be propagated (valid ids). */
export function hasPropagatableSpan(ctx: Context = context.active()): boolean {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext !== undefined && trace.isSpanContextValid(spanContext);
}

/** Writes traceparent/tracestate of ctx's span into NATS headers; returns whether anything was written. */
export function injectTraceContext(headers: MsgHdrs, ctx: Context = context.active()): boolean {
  if (!hasPropagatableSpan(ctx)) return false;
  w3c.inject(ctx, headers, natsSetter);
  return true;
}

/**
 * Headers for an outgoing NATS message: `base` (or new headers) with the trace context of ctx; undefined
 * when there is neither a base nor a span, so an untraced message carries no header block at all.
 * Use as `nc.request(subject, data, { timeout, headers: traceHeaders() })`.
 */
export function traceHeaders(ctx: Context = context.active(), base?: MsgHdrs): MsgHdrs | undefined {
  if (!hasPropagatableSpan(ctx)) return base;
  const headers = base ?? natsHeaders();
  w3c.inject(ctx, headers, natsSetter);
  return headers;
}

/**
 * The context a received NATS message carries (a remote parent span), on top of `base`. The default
 * base is the root context, not the active one: a subscription callback runs in whatever context was
 * active when subscribe() was called, and a request must not become the child of service startup.
 */
export function contextFromNatsHeaders(headers: MsgHdrs | undefined, base: Context = ROOT_CONTEXT): Context {
  return headers === undefined ? base : w3c.extract(base, headers, natsGetter);
}

/** contextFromNatsHeaders for a received message (`msg.headers` is absent on header-less messages). */
export function contextFromMessage(msg: { readonly headers?: MsgHdrs | undefined }, base: Context = ROOT_CONTEXT): Context {
  return contextFromNatsHeaders(msg.headers, base);
}

/** The context of an incoming HTTP request's `traceparent`/`tracestate` headers. */
export function contextFromHttpHeaders(headers: IncomingHttpHeaders, base: Context = ROOT_CONTEXT): Context {
  return w3c.extract(base, headers, httpGetter);
}

/** `{ traceparent, tracestate? }` for an outgoing HTTP request (e.g. to vLLM); {} without a span. */
export function traceHttpHeaders(ctx: Context = context.active()): Record<string, string> {
  const out: Record<string, string> = {};
  if (hasPropagatableSpan(ctx)) w3c.inject(ctx, out, recordSetter);
  return out;
}

export interface TraceIds {
  /** 32 lowercase hex digits. */
  readonly traceId: string;
  /** 16 lowercase hex digits. */
  readonly spanId: string;
}

/** Ids of the span in ctx (the active one by default), for log lines; undefined when there is none. */
export function currentTraceIds(ctx: Context = context.active()): TraceIds | undefined {
  const spanContext = trace.getSpanContext(ctx);
  if (spanContext === undefined || !trace.isSpanContextValid(spanContext)) return undefined;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

export function currentTraceId(ctx: Context = context.active()): string | undefined {
  return currentTraceIds(ctx)?.traceId;
}
