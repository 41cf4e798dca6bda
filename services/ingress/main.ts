// Ingress process entry point: the OpenAI-compatible API over HTTP and NATS.
import {
  closeOnSignals, exitOnStartupError, logLevelOption, natsUrlOption, parseInteger, parseOptions, parseString,
} from '../../shared/config/index.js';
import { createLogger, initTracing } from '../../shared/telemetry/index.js';
import { IngressService } from './ingress-service.js';

const specs = {
  natsUrl: natsUrlOption,
  logLevel: logLevelOption,
  port: { flag: 'port', env: 'ATC_HTTP_PORT', doc: 'HTTP port (0: any free port)', default: 8080, parse: parseInteger(0, 65535) },
  host: { flag: 'host', env: 'ATC_HTTP_HOST', doc: 'HTTP listen address', default: '0.0.0.0', parse: parseString },
  maxBodyBytes: { flag: 'max-body-bytes', env: 'ATC_MAX_BODY_BYTES', doc: 'largest request body, bytes', default: 8 * 1024 * 1024, parse: parseInteger(1024) },
  maxTokensLimit: { flag: 'max-tokens-limit', env: 'ATC_MAX_TOKENS_LIMIT', doc: 'largest accepted max_tokens', default: 32_768, parse: parseInteger(1) },
  defaultMaxTokens: { flag: 'default-max-tokens', env: 'ATC_DEFAULT_MAX_TOKENS', doc: 'chat max_tokens when the request gives none (completions: 16, as OpenAI)', default: 1024, parse: parseInteger(1) },
  requestTimeoutMs: { flag: 'request-timeout-ms', env: 'ATC_REQUEST_TIMEOUT_MS', doc: 'ms a request may take in all', default: 600_000, parse: parseInteger(1000) },
};

let opts;
try {
  opts = parseOptions(specs);
} catch (err) {
  exitOnStartupError('ingress', err);
}
const logger = createLogger('ingress', opts.logLevel);
try {
  const tracing = initTracing('ingress', { logger });
  const service = await IngressService.start({
    natsUrl: opts.natsUrl, logger,
    http: { port: opts.port, host: opts.host, maxBodyBytes: opts.maxBodyBytes },
    limits: { maxTokensLimit: opts.maxTokensLimit, defaultCompletionMaxTokens: 16, defaultChatMaxTokens: opts.defaultMaxTokens },
    dispatcher: { requestTimeoutMs: opts.requestTimeoutMs },
  });
  closeOnSignals(async () => {
    await service.close();
    await tracing.shutdown();
  }, logger);
} catch (err) {
  exitOnStartupError('ingress', err);
}
