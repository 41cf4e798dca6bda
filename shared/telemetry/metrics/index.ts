// Prometheus metrics (prom-client): the /metrics endpoint and the metric set of each service kind, each
// declared into the Registry its service process creates.
export { METRICS_PATH, startMetricsServer, writeMetrics } from './metrics-server.js';
export type { MetricsServer } from './metrics-server.js';
export { commonMetrics } from './common-metrics.js';
export type { CommonMetrics } from './common-metrics.js';
export { ApiLabel, RequestOutcome, TransportLabel, ingressMetrics } from './ingress-metrics.js';
export type { IngressMetrics } from './ingress-metrics.js';
export { PickOutcome, schedulerMetrics } from './scheduler-metrics.js';
export { flowControlMetrics } from './flow-control-metrics.js';
export type { FlowControlMetrics, QueuedFlow } from './flow-control-metrics.js';
export type { LiveWorker, SchedulerMetrics } from './scheduler-metrics.js';
export { WorkerRoleLabel, workerMetrics } from './worker-metrics.js';
export type { WorkerEngineLoad, WorkerMetrics } from './worker-metrics.js';
