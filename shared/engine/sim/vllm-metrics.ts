// The metrics a vLLM v1 server exports (vllm/v1/metrics/loggers.py PrometheusStatLogger), under vLLM's
// names, help texts, labels and histogram buckets, kept by the simulated engine.
import { type FinishReason } from '../types.js';
import { Histogram, type MetricFamily, MetricType, type MetricSample } from './metric-types.js';
import type { SimRequest } from './sim-request.js';

// vLLM v1's histogram buckets (loggers.py) live with the project's other bucket bounds.
export { ITL_BUCKETS_S, REQUEST_LATENCY_BUCKETS_S, TTFT_BUCKETS_S } from '../../telemetry/metrics/buckets.js';
import { ITL_BUCKETS_S, REQUEST_LATENCY_BUCKETS_S, TTFT_BUCKETS_S } from '../../telemetry/metrics/buckets.js';

/** Static facts for vllm:cache_config_info and the labels of every sample. */
export interface VllmMetricsInfo {
  readonly modelName: string;
  readonly blockSize: number;
  readonly numGpuBlocks: number;
  readonly gpuMemoryUtilization: number;
}

/** Gauges read from the engine at snapshot time. */
export interface VllmGauges {
  readonly running: number;
  readonly waiting: number;
  readonly kvCacheUsage: number;
  readonly prefixCacheQueries: number;
  readonly prefixCacheHits: number;
}

export class VllmMetrics {
  promptTokens = 0;
  generationTokens = 0;
  numPreemptions = 0;
  readonly finished = new Map<FinishReason, number>();
  readonly ttft = new Histogram(TTFT_BUCKETS_S);
  readonly itl = new Histogram(ITL_BUCKETS_S);
  readonly e2e = new Histogram(REQUEST_LATENCY_BUCKETS_S);
  readonly queueTime = new Histogram(REQUEST_LATENCY_BUCKETS_S);

  constructor(private readonly info: VllmMetricsInfo) {}

  /** A token was emitted for request at nowMs: TTFT for its first, inter-token latency after. */
  observeToken(request: SimRequest, nowMs: number): void {
    this.generationTokens++;
    if (request.firstTokenMs === null) {
      request.firstTokenMs = nowMs;
      // vLLM counts a request's prompt tokens (cached ones included) when its prefill completes.
      this.promptTokens += request.numPromptTokens;
      this.ttft.observe((nowMs - request.arrivalMs) / 1000);
    } else {
      this.itl.observe((nowMs - request.lastTokenMs!) / 1000);
    }
    request.lastTokenMs = nowMs;
  }

  observeFinish(request: SimRequest, reason: FinishReason, nowMs: number): void {
    this.finished.set(reason, (this.finished.get(reason) ?? 0) + 1);
    this.e2e.observe((nowMs - request.arrivalMs) / 1000);
    if (request.firstScheduledMs !== null) this.queueTime.observe((request.firstScheduledMs - request.arrivalMs) / 1000);
  }

  snapshot(g: VllmGauges): MetricFamily[] {
    const labels = { model_name: this.info.modelName, engine: '0' };
    const one = (name: string, value: number): MetricSample[] => [{ name, labels, value }];
    const success: MetricSample[] = [];
    for (const reason of ['stop', 'length', 'abort'] as const) {
      success.push({
        name: 'vllm:request_success_total',
        labels: { ...labels, finished_reason: reason },
        value: this.finished.get(reason) ?? 0,
      });
    }
    return [
      { name: 'vllm:num_requests_running', type: MetricType.Gauge, help: 'Number of requests in model execution batches.', samples: one('vllm:num_requests_running', g.running) },
      { name: 'vllm:num_requests_waiting', type: MetricType.Gauge, help: 'Number of requests waiting to be processed.', samples: one('vllm:num_requests_waiting', g.waiting) },
      { name: 'vllm:kv_cache_usage_perc', type: MetricType.Gauge, help: 'KV-cache usage. 1 means 100 percent usage.', samples: one('vllm:kv_cache_usage_perc', g.kvCacheUsage) },
      { name: 'vllm:prefix_cache_queries', type: MetricType.Counter, help: 'Prefix cache queries, in terms of number of queried tokens.', samples: one('vllm:prefix_cache_queries_total', g.prefixCacheQueries) },
      { name: 'vllm:prefix_cache_hits', type: MetricType.Counter, help: 'Prefix cache hits, in terms of number of cached tokens.', samples: one('vllm:prefix_cache_hits_total', g.prefixCacheHits) },
      {
        name: 'vllm:cache_config_info',
        type: MetricType.Gauge,
        help: 'Information of the LLMEngine CacheConfig',
        samples: [
          {
            name: 'vllm:cache_config_info',
            labels: {
              block_size: String(this.info.blockSize),
              cache_dtype: 'auto',
              enable_prefix_caching: 'True',
              gpu_memory_utilization: String(this.info.gpuMemoryUtilization),
              num_gpu_blocks: String(this.info.numGpuBlocks),
            },
            value: 1,
          },
        ],
      },
      { name: 'vllm:num_preemptions', type: MetricType.Counter, help: 'Cumulative number of preemption from the engine.', samples: one('vllm:num_preemptions_total', this.numPreemptions) },
      { name: 'vllm:prompt_tokens', type: MetricType.Counter, help: 'Number of prefill tokens processed.', samples: one('vllm:prompt_tokens_total', this.promptTokens) },
      { name: 'vllm:generation_tokens', type: MetricType.Counter, help: 'Number of generation tokens processed.', samples: one('vllm:generation_tokens_total', this.generationTokens) },
      { name: 'vllm:request_success', type: MetricType.Counter, help: 'Count of successfully processed requests.', samples: success },
      { name: 'vllm:time_to_first_token_seconds', type: MetricType.Histogram, help: 'Histogram of time to first token in seconds.', samples: this.ttft.samples('vllm:time_to_first_token_seconds', labels) },
      { name: 'vllm:inter_token_latency_seconds', type: MetricType.Histogram, help: 'Histogram of inter-token latency in seconds.', samples: this.itl.samples('vllm:inter_token_latency_seconds', labels) },
      { name: 'vllm:e2e_request_latency_seconds', type: MetricType.Histogram, help: 'Histogram of e2e request latency in seconds.', samples: this.e2e.samples('vllm:e2e_request_latency_seconds', labels) },
      { name: 'vllm:request_queue_time_seconds', type: MetricType.Histogram, help: 'Histogram of time spent in WAITING phase for request.', samples: this.queueTime.samples('vllm:request_queue_time_seconds', labels) },
    ];
  }
}
