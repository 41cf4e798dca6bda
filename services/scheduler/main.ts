// Scheduler (endpoint picker) process entry point.
import { Registry } from 'prom-client';
import { readFileSync } from 'node:fs';
import { closeOnSignals, exitOnStartupError, optionsOrExit } from '../../shared/config/index.js';
import { BASELINE_CONFIGS, loadSchedulerConfig, type BaselinePolicy } from '../../shared/scheduling/index.js';
import { createLogger, initTracing, startMetricsServer } from '../../shared/telemetry/index.js';
import { usePromptTokenizerAt, type PromptTokenizer } from '../../shared/tokenizer/index.js';
import { SCHEDULER_OPTIONS } from './scheduler-options.js';
import { SchedulerService } from './scheduler-service.js';

const opts = optionsOrExit('scheduler', SCHEDULER_OPTIONS, process.argv.slice(2), process.env);
let configYaml: string | undefined;
let tokenizer: PromptTokenizer;
try {
  if (opts.config) {
    configYaml = readFileSync(opts.config, 'utf8');
    loadSchedulerConfig(configYaml); // fail fast, naming the plugin and field, before connecting anywhere
  } else if (opts.policy !== 'atc') {
    configYaml = BASELINE_CONFIGS[opts.policy as BaselinePolicy];
  }
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
    flowControl:
      opts.flowControl === 'off'
        ? false
        : {
            maxQueued: opts.maxQueued,
            maxQueueWaitMs: opts.maxQueueWaitMs,
            defaultTtftBudgetMs: opts.defaultTtftBudgetMs,
            prefillTokensPerS: opts.prefillTokensPerS,
            maxKvUsage: opts.maxKvUsage,
          },
    ...(configYaml !== undefined ? { configYaml } : {}),
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
