// Options every service shares.
import { parseChoice, parseString, type OptionSpec } from './options.js';

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
