// Ingress process entry point: the OpenAI-compatible API over HTTP and NATS.
import { closeOnSignals, exitOnStartupError, optionsOrExit } from '../../shared/config/index.js';
import { createLogger, initTracing } from '../../shared/telemetry/index.js';
import { INGRESS_OPTIONS } from './ingress-options.js';
import { IngressService } from './ingress-service.js';

const opts = optionsOrExit('ingress', INGRESS_OPTIONS, process.argv.slice(2), process.env);
const logger = createLogger('ingress', opts.logLevel);
try {
  const tracing = initTracing('ingress', { logger });
  const service = await IngressService.start({
    natsUrl: opts.natsUrl,
    logger,
    http: { port: opts.port, host: opts.host, maxBodyBytes: opts.maxBodyBytes },
    limits: { maxTokensLimit: opts.maxTokensLimit, defaultCompletionMaxTokens: 16, defaultChatMaxTokens: opts.defaultMaxTokens },
    dispatcher: { requestTimeoutMs: opts.requestTimeoutMs, maxQueueWaitMs: opts.maxQueueWaitMs },
    workerTtlMs: opts.workerTtlMs,
    kvReplicas: opts.kvReplicas,
    logPrompts: opts.logPrompts,
  });
  closeOnSignals(async () => {
    await service.close();
    await tracing.shutdown();
  }, logger);
} catch (err) {
  exitOnStartupError('ingress', err);
}
