// Options more than one process declares, so that each keeps one flag, variable, default and doc.
import { DEFAULT_WORKER_TTL_MS } from '../fleet/registry-bucket.js';
import { option } from './option-spec.js';

/** The longest delay Node's timers take (2^31-1 ms, about 24.8 days): a larger one fires at once. Every ms option is capped by it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

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
  default: '127.0.0.1',
  doc: 'listen address of the /metrics endpoint (0.0.0.0: every interface, for a scraper on another host)',
});

/** Every reader of the worker registry must agree on it: workers heartbeat every third of it, the others drop a silent worker after it. */
export const workerTtlMsOption = option.integer({
  flag: 'worker-ttl-ms',
  env: 'ATC_WORKER_TTL_MS',
  min: 300,
  max: MAX_TIMER_MS,
  default: DEFAULT_WORKER_TTL_MS,
  doc: "ms a worker's registry entry outlives its last heartbeat (the bucket's creator sets it)",
});

export const tokenizerPathOption = option.string({
  flag: 'tokenizer-path',
  env: 'ATC_TOKENIZER_PATH',
  defaultDoc: 'the built-in cl100k tokenizer',
  doc: "the model's tokenizer.json, or the directory with it and tokenizer_config.json, loaded at start-up",
});

export const tokenizerThreadsOption = option.integer({
  flag: 'tokenizer-threads',
  env: 'ATC_TOKENIZER_THREADS',
  min: 0,
  default: 1,
  doc: 'worker threads that tokenize long text and chat prompts (0: on the main thread)',
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

/**
 * How a service authenticates to NATS and secures the connection (every service declares these). The
 * password is best given through its variable (a flag shows in `ps`). A user's inbox prefix defaults to
 * _INBOX.<user>, the only inbox subjects its permissions allow (shared/nats/nats-auth.ts).
 */
export const natsCredentialOptions = {
  natsUser: option.string({ flag: 'nats-user', env: 'ATC_NATS_USER', doc: 'NATS user name' }),
  natsPassword: option.string({ flag: 'nats-password', env: 'ATC_NATS_PASSWORD', doc: 'NATS password (prefer the variable)' }),
  natsPasswordFile: option.string({ flag: 'nats-password-file', env: 'ATC_NATS_PASSWORD_FILE', doc: 'file holding the NATS password' }),
  natsCreds: option.string({ flag: 'nats-creds', env: 'ATC_NATS_CREDS', doc: 'NATS .creds file (JWT + nkey seed, operator mode)' }),
  natsNkeySeed: option.string({ flag: 'nats-nkey-seed-file', env: 'ATC_NATS_NKEY_SEED_FILE', doc: 'file with an nkey seed (SU...)' }),
  natsInboxPrefix: option.string({
    flag: 'nats-inbox-prefix',
    env: 'ATC_NATS_INBOX_PREFIX',
    defaultDoc: '_INBOX.<user> with --nats-user, else _INBOX',
    doc: 'prefix of the NATS inboxes of this process (its user must be allowed to subscribe there)',
  }),
  natsTlsCa: option.string({
    flag: 'nats-tls-ca',
    env: 'ATC_NATS_TLS_CA',
    doc: 'CA file that signs the NATS server certificate (turns TLS on)',
  }),
  natsTlsCert: option.string({ flag: 'nats-tls-cert', env: 'ATC_NATS_TLS_CERT', doc: 'client certificate file for NATS mutual TLS' }),
  natsTlsKey: option.string({ flag: 'nats-tls-key', env: 'ATC_NATS_TLS_KEY', doc: 'client key file for NATS mutual TLS' }),
};
