// Decode and prefill workers' metrics: their engine's load and cache, and the P/D path.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EngineLoad } from '../../engine/types.js';
import { QUEUE_TIME_BUCKETS_S, TTFT_BUCKETS_S } from '../../prometheus/index.js';
import { commonMetrics } from './common-metrics.js';

/** Values of the `role` label: the kind of request a worker served. */
export const WorkerRoleLabel = { Decode: 'decode', Prefill: 'prefill' } as const;
export type WorkerRoleLabel = (typeof WorkerRoleLabel)[keyof typeof WorkerRoleLabel];

/** The engine a worker fronts, as its load metrics read it at every scrape. */
export interface WorkerEngineLoad {
  readonly labels: { readonly worker_id: string; readonly model: string };
  readonly load: () => EngineLoad;
}

export function workerMetrics(registry: Registry, engine: WorkerEngineLoad) {
  const loadGauge = (name: string, help: string, field: keyof EngineLoad) =>
    new Gauge({
      name,
      help,
      labelNames: ['worker_id', 'model'],
      registers: [registry],
      collect() {
        this.set(engine.labels, engine.load()[field]);
      },
    });
  // The engine keeps these cumulative counts. A prom-client counter only goes up, so each scrape
  // replaces the series with the engine's total (a drop means the engine restarted, as in vLLM).
  const loadCounter = (name: string, help: string, field: keyof EngineLoad) =>
    new Counter({
      name,
      help,
      labelNames: ['worker_id', 'model'],
      registers: [registry],
      collect() {
        this.reset();
        this.inc(engine.labels, engine.load()[field]);
      },
    });
  return {
    ...commonMetrics(registry),
    requests: new Counter({
      name: 'atc_worker_requests_total',
      help: 'Requests this worker finished, by role (decode, prefill) and outcome (ok, cancelled, or the error code).',
      labelNames: ['role', 'outcome'],
      registers: [registry],
    }),
    runningRequests: loadGauge('atc_worker_running_requests', "Requests in the engine's running batch.", 'runningRequests'),
    waitingRequests: loadGauge('atc_worker_waiting_requests', 'Requests queued in the engine.', 'waitingRequests'),
    kvCacheUsage: loadGauge('atc_worker_kv_cache_usage_ratio', "Fraction of the engine's KV-cache blocks in use, [0,1].", 'kvCacheUsage'),
    prefixCacheQueries: loadCounter(
      'atc_worker_prefix_cache_queries_tokens_total',
      "Prompt tokens looked up in the engine's prefix cache. Hit rate = hits / queries.",
      'prefixCacheQueries',
    ),
    prefixCacheHits: loadCounter(
      'atc_worker_prefix_cache_hits_tokens_total',
      "Prompt tokens found in the engine's prefix cache.",
      'prefixCacheHits',
    ),
    queueTime: new Histogram({
      name: 'atc_worker_queue_time_seconds',
      help: 'Seconds a request waited in the engine before its first step.',
      labelNames: ['role'],
      buckets: [...QUEUE_TIME_BUCKETS_S],
      registers: [registry],
    }),
    engineTimeToFirstToken: new Histogram({
      name: 'atc_worker_engine_time_to_first_token_seconds',
      help: 'Seconds from engine admission to first token, as the engine measured it (decode role).',
      buckets: [...TTFT_BUCKETS_S],
      registers: [registry],
    }),
    remotePrefills: new Counter({
      name: 'atc_worker_remote_prefills_total',
      help: 'Prefills a decode worker asked a prefill worker for, by outcome (ok, or the failure that made it fall back).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    pdFallbacks: new Counter({
      name: 'atc_worker_pd_fallbacks_total',
      help: 'Disaggregated requests prefilled locally after all, by reason (timeout, prefill_failed, handoff_missing, ...).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    kvHandoffs: new Counter({
      name: 'atc_worker_kv_handoffs_total',
      help: 'KV-block handoff records written (prefill role) or consumed (decode role), by role and outcome.',
      labelNames: ['role', 'outcome'],
      registers: [registry],
    }),
  };
}
export type WorkerMetrics = ReturnType<typeof workerMetrics>;
