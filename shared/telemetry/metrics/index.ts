// Prometheus metrics: the registry, the /metrics endpoint, and the metric set of each service kind.
export { Counter, Gauge, MetricsRegistry } from './registry.js';
export { Histogram } from './histogram.js';
export type { HistogramOptions } from './histogram.js';
export { MetricDefinitionError } from './metric.js';
export type { LabelValues, MetricOptions } from './metric.js';
export { METRICS_PATH, startMetricsServer, writeMetrics } from './metrics-server.js';
export type { MetricsServer } from './metrics-server.js';
export {
  CONTROL_PATH_BUCKETS_S, ITL_BUCKETS_S, QUEUE_TIME_BUCKETS_S, REQUEST_LATENCY_BUCKETS_S, TTFT_BUCKETS_S,
} from './buckets.js';
export { commonMetrics } from './common-metrics.js';
export type { CommonMetrics } from './common-metrics.js';
export { ApiLabel, RequestOutcome, TransportLabel, ingressMetrics } from './ingress-metrics.js';
export type { IngressMetrics } from './ingress-metrics.js';
export { PickOutcome, schedulerMetrics } from './scheduler-metrics.js';
export type { SchedulerMetrics } from './scheduler-metrics.js';
export { WorkerRoleLabel, recordEngineLoad, workerMetrics } from './worker-metrics.js';
export type { WorkerMetrics } from './worker-metrics.js';
