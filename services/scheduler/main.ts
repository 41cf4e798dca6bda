// Scheduler (endpoint picker) process entry point.
import { Registry } from 'prom-client';
import { closeOnSignals, exitOnStartupError, optionsOrExit } from '../../shared/config/index.js';
import { createLogger, initTracing, startMetricsServer } from '../../shared/telemetry/index.js';
import { usePromptTokenizerAt, type PromptTokenizer } from '../../shared/tokenizer/index.js';
import { SCHEDULER_OPTIONS, schedulingSettings } from './scheduler-options.js';
import { SchedulerService } from './scheduler-service.js';

const opts = optionsOrExit('scheduler', SCHEDULER_OPTIONS, process.argv.slice(2), process.env);
let scheduling: ReturnType<typeof schedulingSettings>;
let tokenizer: PromptTokenizer;
try {
  scheduling = schedulingSettings(opts, opts.maxQueueWaitMs);
  tokenizer = usePromptTokenizerAt(opts.tokenizerPath);
} catch (err) {
  exitOnStartupError('scheduler', err);
}
const logger = createLogger('scheduler', opts.logLevel, { replicaId: opts.replicaId });
try {
  const tracing = initTracing('scheduler', { logger, resourceAttributes: { 'service.instance.id': opts.replicaId } });
  const registry = new Registry();
  logger.info({ tokenizer: tokenizer.name }, 'prompt tokenizer');
  const service = await SchedulerService.start({
    natsUrl: opts.natsUrl,
    natsCredentials: opts,
    logger,
    replicaId: opts.replicaId,
    registry,
    workerTtlMs: opts.workerTtlMs,
    kvReplicas: opts.kvReplicas,
    tokenizerThreads: opts.tokenizerThreads,
    ...(opts.tokenizerPath !== undefined ? { tokenizerPath: opts.tokenizerPath } : {}),
    ...scheduling,
  });
  const metricsServer = await startMetricsServer(opts.metricsPort, opts.metricsHost, registry);
  logger.info({ metricsPort: metricsServer.port, tracing: tracing.enabled }, 'metrics endpoint ready');
  closeOnSignals(async () => {
    await service.close();
    await metricsServer.close();
    await tracing.shutdown();
  }, logger);
} catch (err) {
  exitOnStartupError('scheduler', err);
}
