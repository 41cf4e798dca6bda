// Log lines about one request: every line carries requestId and, when a span is active, trace_id and
// span_id (the OpenTelemetry log data model's field names), so a log search jumps to the trace and back.
import type { Context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { currentTraceIds } from './trace-context.js';

export const LogField = { RequestId: 'requestId', TraceId: 'trace_id', SpanId: 'span_id' } as const;
export type LogField = (typeof LogField)[keyof typeof LogField];

/**
 * A child logger bound to requestId and to the span active in ctx at this call (the active context by
 * default). Create it inside the request's span (withSpan) to get the trace ids.
 */
export function requestLogger(logger: Logger, requestId: string, ctx?: Context): Logger {
  const ids = currentTraceIds(ctx);
  return logger.child(
    ids
      ? { [LogField.RequestId]: requestId, [LogField.TraceId]: ids.traceId, [LogField.SpanId]: ids.spanId }
      : { [LogField.RequestId]: requestId },
  );
}

/** A prompt as a completion or chat request carries it. */
export type LoggablePrompt = string | readonly string[] | readonly { readonly content?: unknown }[] | readonly number[];

function promptChars(prompt: LoggablePrompt): { chars: number; parts: number; kind: string } {
  if (typeof prompt === 'string') return { chars: prompt.length, parts: 1, kind: 'chars' };
  let chars = 0;
  for (const part of prompt as readonly unknown[]) {
    if (typeof part === 'string') chars += part.length;
    else if (typeof part === 'number') chars += 1;
    else if (typeof part === 'object' && part !== null) {
      const content = (part as { content?: unknown }).content;
      chars += typeof content === 'string' ? content.length : JSON.stringify(content ?? '').length;
    }
  }
  const kind = prompt.length > 0 && typeof prompt[0] === 'number' ? 'tokens' : 'chars';
  return { chars, parts: prompt.length, kind };
}

/**
 * The prompt for a log line: itself when `enabled` (the ingress's --log-prompts), otherwise only its size,
 * e.g. '[redacted: 1234 chars]', '[redacted: 3 messages, 512 chars]', '[redacted: 77 tokens]'.
 */
export function loggablePrompt(prompt: LoggablePrompt, enabled: boolean): LoggablePrompt {
  if (enabled) return prompt;
  const { chars, parts, kind } = promptChars(prompt);
  if (kind === 'tokens') return `[redacted: ${chars} tokens]`;
  if (typeof prompt === 'string') return `[redacted: ${chars} chars]`;
  const noun = prompt.length > 0 && typeof prompt[0] === 'object' ? 'messages' : 'prompts';
  return `[redacted: ${parts} ${noun}, ${chars} chars]`;
}
