// Structured JSON logs (pino). Every line about a request carries `requestId` (and, with tracing, `traceId`);
// prompt text is never logged unless the ingress is started with --log-prompts (ATC_LOG_PROMPTS=1).
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** level: the service's --log-level (ATC_LOG_LEVEL), parsed at start-up. */
export function createLogger(service: string, level = 'info', bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service, ...bindings }, timestamp: pino.stdTimeFunctions.isoTime });
}
