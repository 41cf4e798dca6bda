// The options of the ingress process: declared once, parsed at start-up.
import { logLevelOption, natsUrlOption, option, workerTtlMsOption, kvReplicasOption } from '../../shared/config/index.js';

export const INGRESS_OPTIONS = {
  natsUrl: natsUrlOption,
  logLevel: logLevelOption,
  port: option.integer({ flag: 'port', env: 'ATC_HTTP_PORT', min: 0, max: 65535, default: 8080, doc: 'HTTP port (0: any free port)' }),
  host: option.string({ flag: 'host', env: 'ATC_HTTP_HOST', default: '0.0.0.0', doc: 'HTTP listen address' }),
  maxBodyBytes: option.integer({
    flag: 'max-body-bytes',
    env: 'ATC_MAX_BODY_BYTES',
    min: 1024,
    default: 8 * 1024 * 1024,
    doc: 'largest request body, bytes',
  }),
  maxTokensLimit: option.integer({
    flag: 'max-tokens-limit',
    env: 'ATC_MAX_TOKENS_LIMIT',
    min: 1,
    default: 32_768,
    doc: 'largest accepted max_tokens',
  }),
  defaultMaxTokens: option.integer({
    flag: 'default-max-tokens',
    env: 'ATC_DEFAULT_MAX_TOKENS',
    min: 1,
    default: 1024,
    doc: 'chat max_tokens when the request gives none (completions: 16, as OpenAI)',
  }),
  requestTimeoutMs: option.integer({
    flag: 'request-timeout-ms',
    env: 'ATC_REQUEST_TIMEOUT_MS',
    min: 1000,
    default: 600_000,
    doc: 'ms a request may take in all',
  }),
  maxQueueWaitMs: option.integer({
    flag: 'max-queue-wait-ms',
    env: 'ATC_MAX_QUEUE_WAIT_MS',
    min: 0,
    default: 30_000,
    doc: "ms a request may wait in a scheduler's flow-control queue when the fleet is saturated (0: answer 429 at once)",
  }),
  workerTtlMs: workerTtlMsOption,
  kvReplicas: kvReplicasOption,
  logPrompts: option.boolean({
    flag: 'log-prompts',
    env: 'ATC_LOG_PROMPTS',
    doc: 'log prompt text (user data) in debug lines; otherwise only its size',
  }),
};
