// Decode and prefill workers' metrics: their engine's load and cache, and the P/D path.
import type { EngineLoad } from '../../engine/types.js';
import { QUEUE_TIME_BUCKETS_S, TTFT_BUCKETS_S } from './buckets.js';
import { commonMetrics } from './common-metrics.js';
import type { MetricsRegistry } from './registry.js';

/** Values of the `role` label: the kind of request a worker served. */
export const WorkerRoleLabel = { Decode: 'decode', Prefill: 'prefill' } as const;
export type WorkerRoleLabel = (typeof WorkerRoleLabel)[keyof typeof WorkerRoleLabel];

export function workerMetrics(registry: MetricsRegistry) {
  return {
    ...commonMetrics(registry),
    requests: registry.counter({
      name: 'atc_worker_requests_total',
      help: 'Requests this worker finished, by role (decode, prefill) and outcome (ok, cancelled, or the error code).',
      labelNames: ['role', 'outcome'],
    }),
    runningRequests: registry.gauge({
      name: 'atc_worker_running_requests',
      help: 'Requests in the engine\'s running batch.',
      labelNames: ['worker_id', 'model'],
    }),
    waitingRequests: registry.gauge({
      name: 'atc_worker_waiting_requests',
      help: 'Requests queued in the engine.',
      labelNames: ['worker_id', 'model'],
    }),
    kvCacheUsage: registry.gauge({
      name: 'atc_worker_kv_cache_usage_ratio',
      help: 'Fraction of the engine\'s KV-cache blocks in use, [0,1].',
      labelNames: ['worker_id', 'model'],
    }),
    prefixCacheQueries: registry.counter({
      name: 'atc_worker_prefix_cache_queries_tokens_total',
      help: 'Prompt tokens looked up in the engine\'s prefix cache. Hit rate = hits / queries.',
      labelNames: ['worker_id', 'model'],
    }),
    prefixCacheHits: registry.counter({
      name: 'atc_worker_prefix_cache_hits_tokens_total',
      help: 'Prompt tokens found in the engine\'s prefix cache.',
      labelNames: ['worker_id', 'model'],
    }),
    queueTime: registry.histogram({
      name: 'atc_worker_queue_time_seconds',
      help: 'Seconds a request waited in the engine before its first step.',
      labelNames: ['role'],
      buckets: QUEUE_TIME_BUCKETS_S,
    }),
    engineTimeToFirstToken: registry.histogram({
      name: 'atc_worker_engine_time_to_first_token_seconds',
      help: 'Seconds from engine admission to first token, as the engine measured it (decode role).',
      buckets: TTFT_BUCKETS_S,
    }),
    remotePrefills: registry.counter({
      name: 'atc_worker_remote_prefills_total',
      help: 'Prefills a decode worker asked a prefill worker for, by outcome (ok, or the failure that made it fall back).',
      labelNames: ['outcome'],
    }),
    pdFallbacks: registry.counter({
      name: 'atc_worker_pd_fallbacks_total',
      help: 'Disaggregated requests prefilled locally after all, by reason (timeout, prefill_failed, handoff_missing, ...).',
      labelNames: ['reason'],
    }),
    kvHandoffs: registry.counter({
      name: 'atc_worker_kv_handoffs_total',
      help: 'KV-block handoff records written (prefill role) or consumed (decode role), by role and outcome.',
      labelNames: ['role', 'outcome'],
    }),
  };
}
export type WorkerMetrics = ReturnType<typeof workerMetrics>;

/**
 * Copies an engine load report into the load gauges and the mirrored prefix-cache counters. Register
 * as `registry.beforeCollect(() => recordEngineLoad(metrics, { worker_id, model }, engine.load()))`.
 */
export function recordEngineLoad(
  metrics: WorkerMetrics, labels: { readonly worker_id: string; readonly model: string }, load: EngineLoad,
): void {
  metrics.runningRequests.set(labels, load.runningRequests);
  metrics.waitingRequests.set(labels, load.waitingRequests);
  metrics.kvCacheUsage.set(labels, load.kvCacheUsage);
  metrics.prefixCacheQueries.setTotal(labels, load.prefixCacheQueries);
  metrics.prefixCacheHits.setTotal(labels, load.prefixCacheHits);
}
