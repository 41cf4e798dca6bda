// Options more than one process declares, so that each keeps one flag, variable, default and doc.
import { DEFAULT_WORKER_TTL_MS } from '../fleet/registry-bucket.js';
import { option } from './option-spec.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const natsUrlOption = option.string({
  flag: 'nats-url',
  env: 'ATC_NATS_URL',
  default: 'nats://127.0.0.1:4222',
  doc: 'NATS server URL(s), comma-separated',
});

export const logLevelOption = option.choice({
  flag: 'log-level',
  env: 'ATC_LOG_LEVEL',
  choices: LOG_LEVELS,
  default: 'info',
  doc: 'pino log level',
});

export const modelOption = option.string({
  flag: 'model',
  env: 'ATC_MODEL',
  default: 'llama-3-8b',
  doc: 'model name served (the OpenAI `model` field)',
});

export const metricsPortOption = option.integer({
  flag: 'metrics-port',
  env: 'ATC_METRICS_PORT',
  min: 0,
  max: 65535,
  default: 0,
  doc: 'port of the Prometheus /metrics endpoint (0: any free port, logged at start-up)',
});

export const metricsHostOption = option.string({
  flag: 'metrics-host',
  env: 'ATC_METRICS_HOST',
  default: '0.0.0.0',
  doc: 'listen address of the /metrics endpoint',
});

/** Every reader of the worker registry must agree on it: workers heartbeat every third of it, the others drop a silent worker after it. */
export const workerTtlMsOption = option.integer({
  flag: 'worker-ttl-ms',
  env: 'ATC_WORKER_TTL_MS',
  min: 300,
  default: DEFAULT_WORKER_TTL_MS,
  doc: "ms a worker's registry entry outlives its last heartbeat (the bucket's creator sets it)",
});

export const tokenizerPathOption = option.string({
  flag: 'tokenizer-path',
  env: 'ATC_TOKENIZER_PATH',
  defaultDoc: 'the built-in cl100k tokenizer',
  doc: "the model's tokenizer.json, or the directory with it and tokenizer_config.json, loaded at start-up",
});

export const natsServerOption = option.string({
  flag: 'nats-server',
  env: 'ATC_NATS_SERVER',
  defaultDoc: 'nats-server on PATH, else /usr/sbin/nats-server',
  doc: 'nats-server binary to start',
});

/** Every creator of a bucket must agree on it (the first creator's config wins). */
export const kvReplicasOption = option.integer({
  flag: 'kv-replicas',
  env: 'ATC_KV_REPLICAS',
  min: 1,
  max: 5,
  default: 1,
  doc: 'copies of each JetStream KV bucket (3 in a 3-node NATS cluster: one node may die without losing state)',
});
