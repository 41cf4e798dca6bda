// Scheduler (endpoint picker) process entry point.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Registry } from 'prom-client';
import {
  closeOnSignals, exitOnStartupError, logLevelOption, metricsHostOption, metricsPortOption, natsUrlOption, parseChoice, parseOptions,
  parseString,
} from '../../shared/config/index.js';
import { BASELINE_CONFIGS, loadSchedulerConfig, type BaselinePolicy } from '../../shared/scheduling/index.js';
import { createLogger, initTracing, startMetricsServer } from '../../shared/telemetry/index.js';
import { promptTokenizer } from '../../shared/tokenizer/index.js';
import { SchedulerService } from './scheduler-service.js';

const policies = ['atc', ...Object.keys(BASELINE_CONFIGS)] as const;
const specs = {
  natsUrl: natsUrlOption,
  logLevel: logLevelOption,
  metricsPort: metricsPortOption,
  metricsHost: metricsHostOption,
  replicaId: { flag: 'replica-id', env: 'ATC_SCHEDULER_ID', doc: 'this replica\'s name in logs', default: `${hostname()}-${process.pid}`, parse: parseString },
  config: { flag: 'config', env: 'ATC_SCHEDULER_CONFIG', doc: 'scheduling config YAML file (plugins and profiles); overrides --policy', default: '', parse: parseString },
  policy: {
    flag: 'policy', env: 'ATC_SCHEDULER_POLICY', doc: `a shipped policy: ${policies.join(', ')} (atc is the default config)`,
    default: 'atc', parse: parseChoice<string>([...policies]),
  },
};

let opts;
let configYaml: string | undefined;
try {
  opts = parseOptions(specs);
  if (opts.config) {
    configYaml = readFileSync(opts.config, 'utf8');
    loadSchedulerConfig(configYaml); // fail fast, naming the plugin and field, before connecting anywhere
  } else if (opts.policy !== 'atc') {
    configYaml = BASELINE_CONFIGS[opts.policy as BaselinePolicy];
  }
} catch (err) {
  exitOnStartupError('scheduler', err);
}
const logger = createLogger('scheduler', opts.logLevel, { replicaId: opts.replicaId });
try {
  const tracing = initTracing('scheduler', { logger, resourceAttributes: { 'service.instance.id': opts.replicaId } });
  const registry = new Registry();
  logger.info({ tokenizer: promptTokenizer().name }, 'prompt tokenizer');
  const service = await SchedulerService.start({ natsUrl: opts.natsUrl, logger, replicaId: opts.replicaId, registry, ...(configYaml !== undefined ? { configYaml } : {}) });
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
