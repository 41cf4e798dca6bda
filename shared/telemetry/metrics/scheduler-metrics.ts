// The scheduler's metrics: how it decides and how long that takes.
import { CONTROL_PATH_BUCKETS_S } from './buckets.js';
import { commonMetrics } from './common-metrics.js';
import type { MetricsRegistry } from './registry.js';

/** Values of the `outcome` label of atc_scheduler_picks_total: 'ok' or the error code answered. */
export const PickOutcome = { Ok: 'ok' } as const;

export function schedulerMetrics(registry: MetricsRegistry) {
  return {
    ...commonMetrics(registry),
    picks: registry.counter({
      name: 'atc_scheduler_picks_total',
      help: 'Pick requests answered, by model and outcome (ok, or the error code: no_worker_available, bad_message, ...).',
      labelNames: ['model', 'outcome'],
    }),
    decisionDuration: registry.histogram({
      name: 'atc_scheduler_decision_duration_seconds',
      help: 'Seconds to decide one pick (tokenization, filters, scorers, picker, P/D decision).',
      buckets: CONTROL_PATH_BUCKETS_S,
    }),
    pluginDuration: registry.histogram({
      name: 'atc_scheduler_plugin_duration_seconds',
      help: 'Seconds one plugin (filter, scorer, picker; the profile handler with profile "") took in one pick, by profile and plugin name.',
      labelNames: ['profile', 'plugin'],
      buckets: CONTROL_PATH_BUCKETS_S,
    }),
    promptBlocks: registry.counter({
      name: 'atc_scheduler_prompt_blocks_total',
      help: 'Full KV blocks of the prompts picked for. Prefix-cache hit rate = cached_prefix_blocks / prompt_blocks.',
      labelNames: ['model'],
    }),
    cachedPrefixBlocks: registry.counter({
      name: 'atc_scheduler_cached_prefix_blocks_total',
      help: 'Of those blocks, the ones the prefix-cache index expected cached on the chosen decode worker.',
      labelNames: ['model'],
    }),
    pdDecisions: registry.counter({
      name: 'atc_scheduler_pd_decisions_total',
      help: 'Prefill/decode decisions, by model and decision (aggregated, disaggregated).',
      labelNames: ['model', 'decision'],
    }),
    workers: registry.gauge({
      name: 'atc_scheduler_workers',
      help: 'Live workers in this replica\'s view of the registry, by model and role.',
      labelNames: ['model', 'role'],
    }),
  };
}
export type SchedulerMetrics = ReturnType<typeof schedulerMetrics>;
