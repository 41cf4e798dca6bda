// Histogram bucket bounds, seconds, shared by our services' metrics and the simulated engine's vLLM metrics.

/** vLLM v1 `vllm:time_to_first_token_seconds` buckets (vllm/v1/metrics/loggers.py), so our TTFT and
 * the engines' compare bucket for bucket; the simulated engine exports its vLLM metrics with these too. */
export const TTFT_BUCKETS_S = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
] as const;

/** vLLM v1 `vllm:inter_token_latency_seconds` buckets (same source). */
export const ITL_BUCKETS_S = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
] as const;

/** vLLM v1 request latency buckets (`vllm:e2e_request_latency_seconds`, `vllm:request_queue_time_seconds`). */
export const REQUEST_LATENCY_BUCKETS_S = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0,
] as const;

/**
 * Ours, for work that stays in one process or one NATS round trip (a scheduling decision, one plugin,
 * the ingress's pick round trip): 10 us to 1 s. The path-latency benchmark (README) measures the whole
 * added path at a median of about 8 ms, so the decision itself should sit in the sub-millisecond buckets.
 */
export const CONTROL_PATH_BUCKETS_S = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
] as const;

/** Queue time in an engine: from 1 ms (admitted at once) to vLLM's request-latency range. */
export const QUEUE_TIME_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, ...REQUEST_LATENCY_BUCKETS_S] as const;
