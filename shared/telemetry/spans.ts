// Running code inside spans. Without a registered SDK these are the API's no-op spans: the callback
// runs as is, at the cost of a few object allocations.
import { SpanKind, SpanStatusCode, context, trace, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';
import { SemconvAttr } from './attributes.js';
import { TRACER_NAME } from './tracing.js';

export { SpanKind } from '@opentelemetry/api';
export type { Attributes, Context, Span } from '@opentelemetry/api';

export interface SpanStartOptions {
  /** Default INTERNAL. SERVER for the ingress HTTP span, CONSUMER/SERVER for NATS handlers, CLIENT for requests out. */
  readonly kind?: SpanKind;
  /** Parent context, e.g. from contextFromMessage(msg). Default: the active context. */
  readonly parent?: Context;
  readonly links?: Link[];
  /** Span start time, ms since the epoch (e.g. when the request arrived, before parsing). */
  readonly startTimeMs?: number;
}

export interface StartedSpan {
  readonly span: Span;
  /** The parent context with this span set: run children in it via context.with(ctx, fn) or pass as parent. */
  readonly context: Context;
}

/** Starts a span that the caller ends (streams, generators); see also endSpan. */
export function startSpan(name: string, attributes: Attributes = {}, options: SpanStartOptions = {}): StartedSpan {
  const parent = options.parent ?? context.active();
  const span = trace.getTracer(TRACER_NAME).startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      attributes,
      ...(options.links ? { links: options.links } : {}),
      ...(options.startTimeMs !== undefined ? { startTime: options.startTimeMs } : {}),
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** The error's kind for `error.type`: an AtcError's code ('worker_lost', ...), else its class name. */
function errorType(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    if (err instanceof Error) return err.name;
  }
  return typeof err;
}

/** Marks a span failed: exception event, ERROR status with the message, `error.type`. */
export function recordSpanError(span: Span, err: unknown): void {
  if (!span.isRecording()) return;
  const exception = err instanceof Error ? err : String(err);
  span.recordException(exception);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  span.setAttribute(SemconvAttr.ErrorType, errorType(err));
}

/** Ends a span started with startSpan, recording `err` when given. */
export function endSpan(span: Span, err?: unknown): void {
  if (err !== undefined) recordSpanError(span, err);
  span.end();
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Runs fn inside a new span (active for everything fn starts, awaits included) and ends it when fn
 * returns or its promise settles; a throw or rejection is recorded on the span and passed on.
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => T, options: SpanStartOptions = {}): T {
  const { span, context: spanContext } = startSpan(name, attributes, options);
  let result: T;
  try {
    result = context.with(spanContext, fn, undefined, span);
  } catch (err) {
    endSpan(span, err);
    throw err;
  }
  if (!isPromiseLike(result)) {
    span.end();
    return result;
  }
  return Promise.resolve(result).then(
    (value) => {
      span.end();
      return value;
    },
    (err: unknown) => {
      endSpan(span, err);
      throw err;
    },
  ) as T;
}
