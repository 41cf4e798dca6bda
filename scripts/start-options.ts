// The options of `npm start`: declared once, parsed at start-up. The services' own variables pass through
// to them (each checks its own at its start).
import { modelOption, natsServerOption, option, parseOptions, type Environment } from '../shared/config/index.js';
import { workerOptions } from '../services/worker/worker-options.js';
import { INGRESS_OPTIONS } from '../services/ingress/ingress-options.js';
import { SCHEDULER_OPTIONS } from '../services/scheduler/scheduler-options.js';

export const START_OPTIONS = {
  port: option.integer({ flag: 'port', env: 'ATC_HTTP_PORT', min: 1, max: 65535, default: 8080, doc: 'ingress HTTP port' }),
  natsUrl: option.string({ flag: 'nats-url', env: 'ATC_NATS_URL', doc: 'use this NATS server instead of starting one' }),
  natsPort: option.integer({
    flag: 'nats-port',
    env: 'ATC_NATS_PORT',
    min: 0,
    max: 65535,
    default: 0,
    doc: 'port of the started nats-server (0: a free port)',
  }),
  natsServer: natsServerOption,
  decodeWorkers: option.integer({ flag: 'decode-workers', env: 'ATC_DECODE_WORKERS', min: 0, max: 64, default: 2, doc: 'decode workers' }),
  prefillWorkers: option.integer({
    flag: 'prefill-workers',
    env: 'ATC_PREFILL_WORKERS',
    min: 0,
    max: 64,
    default: 1,
    doc: 'prefill workers',
  }),
  schedulers: option.integer({
    flag: 'schedulers',
    env: 'ATC_SCHEDULERS',
    min: 0,
    max: 16,
    default: 0,
    doc: 'scheduler replica processes (one queue group); 0: the ingress picks in its own process (--scheduler in-process), two NATS hops shorter',
  }),
  model: { ...modelOption, doc: 'model name the workers serve' },
  apiKeysFile: option.string({
    flag: 'api-keys-file',
    env: 'ATC_API_KEYS_FILE',
    defaultDoc: 'none: the HTTP API is open (said at start-up)',
    doc: 'API keys the ingress requires (Authorization: Bearer), one a line: the key or sha256:<hex>',
  }),
  noNatsAuth: option.boolean({
    flag: 'no-nats-auth',
    env: 'ATC_NO_NATS_AUTH',
    doc: 'start nats-server without users and permissions (anonymous clients allowed): for debugging only',
  }),
};

/**
 * Checks the services' variables in this environment (they pass through to every service) before any
 * starts: a bad one would otherwise stop one service while the others wait for it.
 */
export function checkServiceEnvironment(env: Environment): void {
  for (const specs of [INGRESS_OPTIONS, SCHEDULER_OPTIONS, workerOptions('decode')]) parseOptions(specs, [], env);
}
