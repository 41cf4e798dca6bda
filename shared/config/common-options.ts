// Options every service shares.
import { parseChoice, parseInteger, parseString, type OptionSpec } from './options.js';

export const natsUrlOption: OptionSpec<string> = {
  flag: 'nats-url',
  env: 'ATC_NATS_URL',
  doc: 'NATS server URL(s), comma-separated',
  default: 'nats://127.0.0.1:4222',
  parse: parseString,
};

export const logLevelOption: OptionSpec<string> = {
  flag: 'log-level',
  env: 'ATC_LOG_LEVEL',
  doc: 'pino log level: trace, debug, info, warn, error',
  default: 'info',
  parse: parseChoice(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
};

export const modelOption: OptionSpec<string> = {
  flag: 'model',
  env: 'ATC_MODEL',
  doc: 'model name served (the OpenAI `model` field)',
  default: 'llama-3-8b',
  parse: parseString,
};

export const metricsPortOption: OptionSpec<number> = {
  flag: 'metrics-port',
  env: 'ATC_METRICS_PORT',
  doc: 'port of the Prometheus /metrics endpoint (0: any free port, logged at start-up)',
  default: 0,
  parse: parseInteger(0, 65535),
};

export const metricsHostOption: OptionSpec<string> = {
  flag: 'metrics-host',
  env: 'ATC_METRICS_HOST',
  doc: 'listen address of the /metrics endpoint',
  default: '0.0.0.0',
  parse: parseString,
};
