// A logger for in-process services under test: silent unless ATC_TEST_LOG is set (e.g. "debug").
import { createLogger, type Logger } from '../../shared/telemetry/index.js';

export function testLogger(service: string): Logger {
  return createLogger(service, process.env['ATC_TEST_LOG'] ?? 'silent');
}
