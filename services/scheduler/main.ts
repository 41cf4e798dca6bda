// Scheduler (endpoint picker) process entry point.
import { hostname } from 'node:os';
import { closeOnSignals, exitOnStartupError, logLevelOption, natsUrlOption, parseOptions, parseString } from '../../shared/config/index.js';
import { createLogger } from '../../shared/telemetry/index.js';
import { SchedulerService } from './scheduler-service.js';

const specs = {
  natsUrl: natsUrlOption,
  logLevel: logLevelOption,
  replicaId: { flag: 'replica-id', env: 'ATC_SCHEDULER_ID', doc: 'this replica\'s name in logs', default: `${hostname()}-${process.pid}`, parse: parseString },
};

let opts;
try {
  opts = parseOptions(specs);
} catch (err) {
  exitOnStartupError('scheduler', err);
}
const logger = createLogger('scheduler', opts.logLevel, { replicaId: opts.replicaId });
try {
  const service = await SchedulerService.start({ natsUrl: opts.natsUrl, logger, replicaId: opts.replicaId });
  closeOnSignals(() => service.close(), logger);
} catch (err) {
  exitOnStartupError('scheduler', err);
}
