// /metrics for the vLLM-compatible server. An engine that exposes vLLM's own metric families
// (SimEngine's vllmMetrics()) is rendered as is; for any other Engine we build vLLM's core
// families from load() plus the request counters this server keeps itself.
import type { Engine, EngineUsage, FinishReason } from '../../shared/engine/types.js';
import { MetricType } from '../../shared/engine/vllm/prometheus-text.js';
import type { MetricFamily, MetricSample } from '../../shared/engine/vllm/prometheus-text.js';

/** The structural shape of SimEngine.vllmMetrics(): families of labelled samples. */
export interface VllmMetricsFamilyLike {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly samples: ReadonlyArray<{ readonly name?: string; readonly labels: Readonly<Record<string, string>>; readonly value: number }>;
}

interface VllmMetricsSource {
  vllmMetrics(): readonly VllmMetricsFamilyLike[];
}

function hasVllmMetrics(engine: Engine): engine is Engine & VllmMetricsSource {
  return typeof (engine as Partial<VllmMetricsSource>).vllmMetrics === 'function';
}

function asType(type: string): MetricType {
  return (Object.values(MetricType) as string[]).includes(type) ? (type as MetricType) : MetricType.Untyped;
}

export class ServerMetrics {
  private readonly finished = new Map<string, number>();
  private promptTokens = 0;
  private generationTokens = 0;

  constructor(private readonly engine: Engine) {}

  recordFinished(reason: FinishReason, usage: EngineUsage): void {
    this.finished.set(reason, (this.finished.get(reason) ?? 0) + 1);
    this.promptTokens += usage.promptTokens;
    this.generationTokens += usage.completionTokens;
  }

  families(): MetricFamily[] {
    if (hasVllmMetrics(this.engine)) {
      return this.engine.vllmMetrics().map((f) => ({
        name: f.name,
        type: asType(f.type),
        help: f.help,
        samples: f.samples.map((s) => ({ name: s.name ?? f.name, labels: s.labels, value: s.value })),
      }));
    }
    const labels = { model_name: this.engine.model, engine: '0' };
    const load = this.engine.load();
    const gauge = (name: string, help: string, value: number, extra: Record<string, string> = {}): MetricFamily => ({
      name,
      type: MetricType.Gauge,
      help,
      samples: [{ name, labels: { ...labels, ...extra }, value }],
    });
    const counter = (name: string, help: string, samples: MetricSample[]): MetricFamily => ({ name, type: MetricType.Counter, help, samples });
    const total = (name: string, value: number): MetricSample => ({ name: `${name}_total`, labels, value });
    return [
      gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', load.runningRequests),
      gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', load.waitingRequests),
      gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', load.kvCacheUsage),
      gauge('vllm:cache_config_info', 'Information of the LLMEngine CacheConfig', 1, {
        block_size: String(load.blockSize),
        num_gpu_blocks: String(load.numGpuBlocks),
      }),
      counter('vllm:prefix_cache_queries', 'Prefix cache queries, in terms of number of queried tokens.', [
        total('vllm:prefix_cache_queries', load.prefixCacheQueries),
      ]),
      counter('vllm:prefix_cache_hits', 'Prefix cache hits, in terms of number of cached tokens.', [
        total('vllm:prefix_cache_hits', load.prefixCacheHits),
      ]),
      counter('vllm:prompt_tokens', 'Number of prefill tokens processed.', [total('vllm:prompt_tokens', this.promptTokens)]),
      counter('vllm:generation_tokens', 'Number of generation tokens processed.', [total('vllm:generation_tokens', this.generationTokens)]),
      counter(
        'vllm:request_success',
        'Count of successfully processed requests.',
        [...this.finished].map(([reason, value]) => ({ name: 'vllm:request_success_total', labels: { ...labels, finished_reason: reason }, value })),
      ),
    ];
  }
}
