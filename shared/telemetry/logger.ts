// Structured JSON logs (pino). Every line about a request carries `requestId` (and, with tracing, `traceId`);
// prompt text is never logged unless ATC_LOG_PROMPTS=1.
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(service: string, level = process.env['ATC_LOG_LEVEL'] ?? 'info', bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service, ...bindings }, timestamp: pino.stdTimeFunctions.isoTime });
}

export const logPrompts = (): boolean => process.env['ATC_LOG_PROMPTS'] === '1';
