// The scheduler's metrics: how it decides and how long that takes.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CONTROL_PATH_BUCKETS_S } from '../../prometheus/index.js';
import { commonMetrics } from './common-metrics.js';

/** Values of the `outcome` label of atc_scheduler_picks_total: 'ok' or the error code answered. */
export const PickOutcome = { Ok: 'ok' } as const;

/** A live worker as the workers gauge counts it: its role and the models it serves. */
export interface LiveWorker {
  readonly role: string;
  readonly models: readonly string[];
}

/** liveWorkers is read at every scrape: the workers this replica's registry view holds then. */
/** One engine's learned prefill throughput (SaturationTracker.engineEstimates). */
export interface PrefillEstimate {
  readonly engineId: string;
  readonly tokensPerS: number;
  readonly samples: number;
}

export function schedulerMetrics(
  registry: Registry,
  liveWorkers: () => Iterable<LiveWorker>,
  prefillEstimates: () => Iterable<PrefillEstimate> = () => [],
) {
  return {
    ...commonMetrics(registry),
    picks: new Counter({
      name: 'atc_scheduler_picks_total',
      help: 'Pick requests answered, by model and outcome (ok, or the error code: no_worker_available, bad_message, ...).',
      labelNames: ['model', 'outcome'],
      registers: [registry],
    }),
    decisionDuration: new Histogram({
      name: 'atc_scheduler_decision_duration_seconds',
      help: 'Seconds to decide one pick (tokenization, filters, scorers, picker, P/D decision).',
      buckets: [...CONTROL_PATH_BUCKETS_S],
      registers: [registry],
    }),
    pluginDuration: new Histogram({
      name: 'atc_scheduler_plugin_duration_seconds',
      help: 'Seconds one plugin (filter, scorer, picker; the profile handler with profile "") took in one pick, by profile and plugin name.',
      labelNames: ['profile', 'plugin'],
      buckets: [...CONTROL_PATH_BUCKETS_S],
      registers: [registry],
    }),
    promptBlocks: new Counter({
      name: 'atc_scheduler_prompt_blocks_total',
      help: 'Full KV blocks of the prompts picked for. Prefix-cache hit rate = cached_prefix_blocks / prompt_blocks.',
      labelNames: ['model'],
      registers: [registry],
    }),
    cachedPrefixBlocks: new Counter({
      name: 'atc_scheduler_cached_prefix_blocks_total',
      help: 'Of those blocks, the ones the prefix-cache index expected cached on the chosen decode worker.',
      labelNames: ['model'],
      registers: [registry],
    }),
    pdDecisions: new Counter({
      name: 'atc_scheduler_pd_decisions_total',
      help: 'Prefill/decode decisions, by model and decision (aggregated, disaggregated).',
      labelNames: ['model', 'decision'],
      registers: [registry],
    }),
    /** Issue 14: events of ids not in the registry must not grow the scheduler's state. */
    droppedEvents: new Counter({
      name: 'atc_scheduler_dropped_events_total',
      help: "Worker events dropped unapplied, by kind (kv, load) and reason (unregistered: the sender is not in the registry; over_capacity: a worker's index entries exceeded its engine's KV blocks and were dropped).",
      labelNames: ['kind', 'reason'],
      registers: [registry],
    }),
    workers: new Gauge({
      name: 'atc_scheduler_workers',
      help: "Live workers in this replica's view of the registry, by model and role.",
      labelNames: ['model', 'role'],
      registers: [registry],
      collect() {
        // Rebuilt at each scrape, so a model or role no live worker has any more drops out.
        this.reset();
        for (const worker of liveWorkers()) {
          for (const model of worker.models) this.inc({ model, role: worker.role });
        }
      },
    }),
    sustainedPrefill: new Gauge({
      name: 'atc_scheduler_sustained_prefill_tokens_per_second',
      help: "Prefill tokens/s each worker's engine was seen to sustain while saturated, learned online from first tokens (the saturation signal the slo-affinity-filter predicts TTFT with); the prior until the first sample.",
      labelNames: ['worker', 'learned'],
      registers: [registry],
      collect() {
        this.reset();
        for (const e of prefillEstimates()) this.set({ worker: e.engineId, learned: e.samples > 0 ? 'true' : 'false' }, e.tokensPerS);
      },
    }),
  };
}
export type SchedulerMetrics = ReturnType<typeof schedulerMetrics>;
