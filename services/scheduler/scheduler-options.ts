// The options of a scheduler replica: declared once, parsed at start-up.
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import {
  logLevelOption,
  metricsHostOption,
  metricsPortOption,
  natsCredentialOptions,
  natsUrlOption,
  option,
  tokenizerPathOption,
  tokenizerThreadsOption,
  workerTtlMsOption,
  kvReplicasOption,
  type Options,
} from '../../shared/config/index.js';
import { BASELINE_CONFIGS, loadSchedulerConfig, type BaselinePolicy } from '../../shared/scheduling/index.js';
import type { PickFlowOptions } from './pick-flow.js';
import { FLOW_CONTROL_DEFAULTS, SLO_CAPACITY_DEFAULTS } from '../../shared/scheduling/flow-control/index.js';

export const SCHEDULER_POLICIES = ['atc', ...Object.keys(BASELINE_CONFIGS)];

/**
 * How picks are decided: the scheduling config and flow control. A scheduler replica takes them, and so
 * does the ingress when it runs its scheduler in-process (`--scheduler in-process`).
 */
export const SCHEDULING_OPTIONS = {
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
  flowControl: option.choice({
    flag: 'flow-control',
    env: 'ATC_FLOW_CONTROL',
    choices: ['on', 'off'],
    default: 'on',
    doc: 'queue picks past saturation by priority and tenant, 429 what cannot be admitted in time (off: dispatch every pick at once)',
  }),
  maxQueued: option.integer({
    flag: 'max-queued',
    env: 'ATC_MAX_QUEUED',
    min: 0,
    default: FLOW_CONTROL_DEFAULTS.maxQueued,
    doc: "requests this replica's flow-control queue holds at most",
  }),
  defaultTtftBudgetMs: option.integer({
    flag: 'default-ttft-budget-ms',
    env: 'ATC_DEFAULT_TTFT_BUDGET_MS',
    min: 1,
    default: FLOW_CONTROL_DEFAULTS.defaultTtftBudgetMs,
    doc: 'TTFT budget of a request without x-slo-ttft-ms, ms (admission gives 40% to the engine, 60% to the queue)',
  }),
  maxKvUsage: option.number({
    flag: 'max-kv-usage',
    env: 'ATC_MAX_KV_USAGE',
    min: 0,
    exclusiveMin: true,
    max: 1,
    default: SLO_CAPACITY_DEFAULTS.maxKvUsage,
    doc: 'KV-cache usage (0-1] at or above which a worker takes no new work from the queue',
  }),
  prefillTokensPerS: option.number({
    flag: 'prefill-tokens-per-s',
    env: 'ATC_PREFILL_TOKENS_PER_S',
    min: 0,
    exclusiveMin: true,
    default: SLO_CAPACITY_DEFAULTS.prefillTokensPerS,
    doc: "prompt tokens one engine prefills per second (admission's TTFT estimate; llama-3-8b on an H100)",
  }),
};

export const SCHEDULER_OPTIONS = {
  natsUrl: natsUrlOption,
  ...natsCredentialOptions,
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
  workerTtlMs: workerTtlMsOption,
  kvReplicas: kvReplicasOption,
  tokenizerPath: tokenizerPathOption,
  tokenizerThreads: tokenizerThreadsOption,
  ...SCHEDULING_OPTIONS,
  maxQueueWaitMs: option.integer({
    flag: 'max-queue-wait-ms',
    env: 'ATC_SCHEDULER_MAX_QUEUE_WAIT_MS',
    min: 0,
    default: FLOW_CONTROL_DEFAULTS.maxQueueWaitMs,
    doc: 'ms a request may wait in the queue at most (its TTFT budget usually ends the wait sooner)',
  }),
};

type SchedulingOptionValues = Options<typeof SCHEDULING_OPTIONS>;

/** What SchedulerService.start needs from the scheduling options: the config text and flow control. */
export function schedulingSettings(
  opts: SchedulingOptionValues,
  maxQueueWaitMs?: number,
): { readonly configYaml?: string; readonly flowControl: PickFlowOptions | false } {
  let configYaml: string | undefined;
  if (opts.config) {
    configYaml = readFileSync(opts.config, 'utf8');
    loadSchedulerConfig(configYaml); // fail fast, naming the plugin and field, before connecting anywhere
  } else if (opts.policy !== 'atc') {
    configYaml = BASELINE_CONFIGS[opts.policy as BaselinePolicy];
  }
  const flowControl: PickFlowOptions | false =
    opts.flowControl === 'off'
      ? false
      : {
          maxQueued: opts.maxQueued,
          ...(maxQueueWaitMs !== undefined ? { maxQueueWaitMs } : {}),
          defaultTtftBudgetMs: opts.defaultTtftBudgetMs,
          prefillTokensPerS: opts.prefillTokensPerS,
          maxKvUsage: opts.maxKvUsage,
        };
  return { ...(configYaml !== undefined ? { configYaml } : {}), flowControl };
}
