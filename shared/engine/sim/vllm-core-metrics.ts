// vLLM's per-engine metric declarations that the simulated engine and the vLLM-compatible server (in
// front of any other Engine) share: the load gauges and prefix-cache counters, read from an EngineLoad
// at scrape time, and counters of one engine's series. Names, help texts and labels are vLLM v1's
// (vllm/v1/metrics/loggers.py).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EngineLoad } from '../types.js';

/** The labels of an engine's series: the served model and vLLM's engine index. */
export interface VllmEngineLabels {
  readonly model_name: string;
  readonly engine: string;
}

const ENGINE_LABEL_NAMES = ['model_name', 'engine'] as const;

/** Declares vllm:num_requests_running/_waiting, kv_cache_usage_perc and the prefix-cache counters. */
export function declareVllmLoadMetrics(registry: Registry, labels: VllmEngineLabels, load: () => EngineLoad): void {
  const registers = [registry];
  const gauge = (name: string, help: string, field: keyof EngineLoad) =>
    new Gauge({
      name,
      help,
      labelNames: ENGINE_LABEL_NAMES,
      registers,
      collect() {
        this.set(labels, load()[field]);
      },
    });
  // The engine keeps these cumulative counts. A prom-client counter only goes up, so each scrape
  // replaces the series with the engine's total.
  const counter = (name: string, help: string, field: keyof EngineLoad) =>
    new Counter({
      name,
      help,
      labelNames: ENGINE_LABEL_NAMES,
      registers,
      collect() {
        this.reset();
        this.inc(labels, load()[field]);
      },
    });
  gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', 'runningRequests');
  gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', 'waitingRequests');
  gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', 'kvCacheUsage');
  counter('vllm:prefix_cache_queries_total', 'Prefix cache queries, in terms of number of queried tokens.', 'prefixCacheQueries');
  counter('vllm:prefix_cache_hits_total', 'Prefix cache hits, in terms of number of cached tokens.', 'prefixCacheHits');
}

/** One engine's series of a counter, at 0 from the start as vLLM creates its labelled children at startup. */
export function vllmEngineCounter(registry: Registry, labels: VllmEngineLabels, name: string, help: string): Counter.Internal {
  const series = new Counter({ name, help, labelNames: ENGINE_LABEL_NAMES, registers: [registry] }).labels(labels);
  series.inc(0);
  return series;
}

/** vllm:request_success_total, by engine and finished_reason. */
export function vllmRequestSuccess(registry: Registry): Counter<keyof VllmEngineLabels | 'finished_reason'> {
  return new Counter({
    name: 'vllm:request_success_total',
    help: 'Count of successfully processed requests.',
    labelNames: [...ENGINE_LABEL_NAMES, 'finished_reason'],
    registers: [registry],
  });
}
