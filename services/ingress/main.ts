// Ingress process entry point: the OpenAI-compatible API over HTTP and NATS.
import { closeOnSignals, exitOnStartupError, optionsOrExit } from '../../shared/config/index.js';
import { createLogger, initTracing } from '../../shared/telemetry/index.js';
import { usePromptTokenizerAt } from '../../shared/tokenizer/index.js';
import { ApiKeys } from './api-keys.js';
import { INGRESS_OPTIONS } from './ingress-options.js';
import { IngressService } from './ingress-service.js';
import { schedulingSettings } from '../scheduler/scheduler-options.js';
import { hostname } from 'node:os';

const opts = optionsOrExit('ingress', INGRESS_OPTIONS, process.argv.slice(2), process.env);
const logger = createLogger('ingress', opts.logLevel);
let apiKeys: ApiKeys | undefined;
let scheduling: ReturnType<typeof schedulingSettings> | undefined;
try {
  apiKeys = opts.apiKeysFile ? ApiKeys.fromFile(opts.apiKeysFile) : undefined;
  if (opts.scheduler === 'in-process') scheduling = schedulingSettings(opts);
  else if (opts.config !== undefined || opts.policy !== 'atc')
    throw new Error('--config and --policy choose how picks are made in this process: they need --scheduler in-process');
} catch (err) {
  exitOnStartupError('ingress', err);
}
if (apiKeys) logger.info({ keys: apiKeys.size }, 'API keys required on /v1');
else logger.warn('no API keys configured (--api-keys-file / ATC_API_KEYS_FILE): the HTTP API is open to anyone who reaches it');
try {
  // The scheduler matches these token ids against the engines' KV events: the model's own tokenizer.
  const tokenizer = usePromptTokenizerAt(opts.tokenizerPath);
  logger.info({ tokenizer: tokenizer.name, threads: opts.tokenizerThreads }, 'prompt tokenizer');
  const tracing = initTracing('ingress', { logger });
  const service = await IngressService.start({
    natsUrl: opts.natsUrl,
    natsCredentials: opts,
    logger,
    http: {
      port: opts.port,
      host: opts.host,
      maxBodyBytes: opts.maxBodyBytes,
      apiKeys,
      headersTimeoutMs: opts.headersTimeoutMs,
      bodyTimeoutMs: opts.bodyTimeoutMs,
      keepAliveTimeoutMs: opts.keepAliveTimeoutMs,
    },
    limits: { maxTokensLimit: opts.maxTokensLimit, defaultCompletionMaxTokens: 16, defaultChatMaxTokens: opts.defaultMaxTokens },
    dispatcher: { requestTimeoutMs: opts.requestTimeoutMs, maxQueueWaitMs: opts.maxQueueWaitMs },
    workerTtlMs: opts.workerTtlMs,
    kvReplicas: opts.kvReplicas,
    logPrompts: opts.logPrompts,
    direct: opts.direct === 'on',
    tokenizerThreads: opts.tokenizerThreads,
    ...(opts.tokenizerPath !== undefined ? { tokenizerPath: opts.tokenizerPath } : {}),
    ...(scheduling ? { inProcessScheduler: { replicaId: `ingress-${hostname()}-${process.pid}`, ...scheduling } } : {}),
  });
  closeOnSignals(async () => {
    await service.close();
    await tracing.shutdown();
  }, logger);
} catch (err) {
  exitOnStartupError('ingress', err);
}
