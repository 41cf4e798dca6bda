// /metrics for the vLLM-compatible server. An engine that keeps vLLM's own metrics (SimEngine's
// vllmMetrics() Registry) is served as is; for any other Engine this server keeps vLLM's core metrics
// itself: load gauges read from load() at scrape time, and request counters it updates.
import { type Counter, Gauge, Registry } from 'prom-client';
import { declareVllmLoadMetrics, vllmEngineCounter, vllmRequestSuccess, type VllmEngineLabels } from '../../shared/engine/sim/index.js';
import type { Engine, EngineUsage, FinishReason } from '../../shared/engine/types.js';

interface VllmMetricsSource {
  vllmMetrics(): Registry | undefined;
}

function engineRegistry(engine: Engine): Registry | undefined {
  const source = engine as Partial<VllmMetricsSource>;
  return typeof source.vllmMetrics === 'function' ? source.vllmMetrics() : undefined;
}

interface RequestCounters {
  readonly prompt: Counter.Internal;
  readonly generation: Counter.Internal;
  readonly success: Counter<keyof VllmEngineLabels | 'finished_reason'>;
}

export class ServerMetrics {
  readonly registry: Registry;
  /** Undefined when the engine keeps its own metrics. */
  private readonly counters: RequestCounters | undefined;
  private readonly labels: VllmEngineLabels;

  constructor(engine: Engine) {
    this.labels = { model_name: engine.model, engine: '0' };
    const own = engineRegistry(engine);
    if (own !== undefined) {
      this.registry = own;
      this.counters = undefined;
      return;
    }
    this.registry = new Registry();
    const registry = this.registry;
    const labels = this.labels;
    declareVllmLoadMetrics(registry, labels, () => engine.load());
    new Gauge({
      name: 'vllm:cache_config_info',
      help: 'Information of the LLMEngine CacheConfig',
      labelNames: ['model_name', 'engine', 'block_size', 'num_gpu_blocks'],
      registers: [registry],
      collect() {
        // The engine may learn its cache shape after start (a VllmEngine's first poll): one series, current.
        const load = engine.load();
        this.reset();
        this.set({ ...labels, block_size: String(load.blockSize), num_gpu_blocks: String(load.numGpuBlocks) }, 1);
      },
    });
    this.counters = {
      prompt: vllmEngineCounter(registry, labels, 'vllm:prompt_tokens_total', 'Number of prefill tokens processed.'),
      generation: vllmEngineCounter(registry, labels, 'vllm:generation_tokens_total', 'Number of generation tokens processed.'),
      success: vllmRequestSuccess(registry),
    };
  }

  /** A request the server answered; counted here only when the engine keeps no metrics of its own. */
  recordFinished(reason: FinishReason, usage: EngineUsage): void {
    if (this.counters === undefined) return;
    this.counters.success.inc({ ...this.labels, finished_reason: reason });
    this.counters.prompt.inc(usage.promptTokens);
    this.counters.generation.inc(usage.completionTokens);
  }
}
