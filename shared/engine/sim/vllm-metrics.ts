// The metrics a vLLM v1 server exports (vllm/v1/metrics/loggers.py PrometheusStatLogger), under vLLM's
// names, help texts, labels and histogram buckets, kept by one simulated engine in its own prom-client
// Registry (tests and benchmarks run several engines in one process).
import { type Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ITL_BUCKETS_S, REQUEST_LATENCY_BUCKETS_S, TTFT_BUCKETS_S } from '../../prometheus/index.js';
import { FinishReason, type EngineLoad } from '../types.js';
import type { SimRequest } from './sim-request.js';
import { declareVllmLoadMetrics, vllmEngineCounter, vllmRequestSuccess, type VllmEngineLabels } from './vllm-core-metrics.js';

/** Static facts for vllm:cache_config_info and the labels of every sample. */
export interface VllmMetricsInfo {
  readonly modelName: string;
  readonly blockSize: number;
  readonly numGpuBlocks: number;
  readonly gpuMemoryUtilization: number;
}

export class VllmMetrics {
  readonly registry = new Registry();
  private readonly labels: VllmEngineLabels;
  private readonly promptTokens: Counter.Internal;
  private readonly generationTokens: Counter.Internal;
  private readonly preemptions: Counter.Internal;
  private readonly success: Counter<keyof VllmEngineLabels | 'finished_reason'>;
  private readonly ttft: Histogram.Internal<keyof VllmEngineLabels>;
  private readonly itl: Histogram.Internal<keyof VllmEngineLabels>;
  private readonly e2e: Histogram.Internal<keyof VllmEngineLabels>;
  private readonly queueTime: Histogram.Internal<keyof VllmEngineLabels>;

  /** load is read at scrape time, for the gauges and the prefix-cache counters the KV cache keeps. */
  constructor(info: VllmMetricsInfo, load: () => EngineLoad) {
    const registry = this.registry;
    // One engine (vLLM's engine index 0) per simulated server.
    this.labels = { model_name: info.modelName, engine: '0' };
    const labels = this.labels;
    const histogram = (name: string, help: string, buckets: readonly number[]) => {
      const metric = new Histogram({ name, help, labelNames: ['model_name', 'engine'], buckets: [...buckets], registers: [registry] });
      metric.zero(labels); // every bucket at 0 from the start, as in vLLM
      return metric.labels(labels);
    };

    declareVllmLoadMetrics(registry, labels, load);
    new Gauge({
      name: 'vllm:cache_config_info',
      help: 'Information of the LLMEngine CacheConfig',
      labelNames: ['block_size', 'cache_dtype', 'enable_prefix_caching', 'gpu_memory_utilization', 'num_gpu_blocks'],
      registers: [registry],
    }).set(
      {
        block_size: String(info.blockSize),
        cache_dtype: 'auto',
        enable_prefix_caching: 'True',
        gpu_memory_utilization: String(info.gpuMemoryUtilization),
        num_gpu_blocks: String(info.numGpuBlocks),
      },
      1,
    );
    this.preemptions = vllmEngineCounter(
      registry,
      labels,
      'vllm:num_preemptions_total',
      'Cumulative number of preemption from the engine.',
    );
    this.promptTokens = vllmEngineCounter(registry, labels, 'vllm:prompt_tokens_total', 'Number of prefill tokens processed.');
    this.generationTokens = vllmEngineCounter(registry, labels, 'vllm:generation_tokens_total', 'Number of generation tokens processed.');
    this.success = vllmRequestSuccess(registry);
    for (const reason of Object.values(FinishReason)) this.success.inc({ ...labels, finished_reason: reason }, 0);
    this.ttft = histogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', TTFT_BUCKETS_S);
    this.itl = histogram('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', ITL_BUCKETS_S);
    this.e2e = histogram('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', REQUEST_LATENCY_BUCKETS_S);
    this.queueTime = histogram(
      'vllm:request_queue_time_seconds',
      'Histogram of time spent in WAITING phase for request.',
      REQUEST_LATENCY_BUCKETS_S,
    );
  }

  /** A token was emitted for request at nowMs (before the request records it): TTFT for its first, inter-token latency after. */
  observeToken(request: SimRequest, nowMs: number): void {
    this.generationTokens.inc();
    if (request.firstTokenMs === null) {
      // vLLM counts a request's prompt tokens (cached ones included) when its prefill completes.
      this.promptTokens.inc(request.numPromptTokens);
      this.ttft.observe((nowMs - request.arrivalMs) / 1000);
    } else {
      this.itl.observe((nowMs - request.lastTokenMs!) / 1000);
    }
  }

  observePreemptions(count: number): void {
    if (count > 0) this.preemptions.inc(count);
  }

  observeFinish(request: SimRequest, reason: FinishReason, nowMs: number): void {
    this.success.inc({ ...this.labels, finished_reason: reason });
    this.e2e.observe((nowMs - request.arrivalMs) / 1000);
    if (request.firstScheduledMs !== null) this.queueTime.observe((request.firstScheduledMs - request.arrivalMs) / 1000);
  }
}
