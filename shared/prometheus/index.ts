// Prometheus, the parts both our services and the engine code share: the text-format parser (reading
// vLLM's /metrics and, in tests, ours) and the histogram bucket bounds. Serving metrics is prom-client's.
export { CONTROL_PATH_BUCKETS_S, ITL_BUCKETS_S, QUEUE_TIME_BUCKETS_S, REQUEST_LATENCY_BUCKETS_S, TTFT_BUCKETS_S } from './buckets.js';
export { MetricType, samplesNamed } from './parsed-metrics.js';
export type { MetricFamily, MetricSample } from './parsed-metrics.js';
export { PrometheusParseError, parsePrometheusText } from './text-parser.js';
