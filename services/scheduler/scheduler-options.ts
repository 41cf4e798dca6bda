// The options of a scheduler replica: declared once, parsed at start-up.
import { hostname } from 'node:os';
import {
  logLevelOption,
  metricsHostOption,
  metricsPortOption,
  natsUrlOption,
  option,
  tokenizerPathOption,
  workerTtlMsOption,
  kvReplicasOption,
} from '../../shared/config/index.js';
import { BASELINE_CONFIGS } from '../../shared/scheduling/index.js';

export const SCHEDULER_POLICIES = ['atc', ...Object.keys(BASELINE_CONFIGS)];

export const SCHEDULER_OPTIONS = {
  natsUrl: natsUrlOption,
  logLevel: logLevelOption,
  metricsPort: metricsPortOption,
  metricsHost: metricsHostOption,
  replicaId: option.string({
    flag: 'replica-id',
    env: 'ATC_SCHEDULER_ID',
    default: `${hostname()}-${process.pid}`,
    defaultDoc: '<host>-<pid>',
    doc: "this replica's name in logs",
  }),
  config: option.string({
    flag: 'config',
    env: 'ATC_SCHEDULER_CONFIG',
    doc: 'scheduling config YAML file (plugins and profiles); overrides --policy',
  }),
  policy: option.choice({
    flag: 'policy',
    env: 'ATC_SCHEDULER_POLICY',
    choices: SCHEDULER_POLICIES,
    default: 'atc',
    doc: 'a shipped policy (atc is the default config)',
  }),
  workerTtlMs: workerTtlMsOption,
  kvReplicas: kvReplicasOption,
  tokenizerPath: tokenizerPathOption,
};
