// vLLM's /metrics -> EngineLoad. Metric names as vLLM V1 exposes them (vllm/v1/metrics/loggers.py);
// older names are read as fallbacks so one worker build fronts a mixed fleet.
import type { EngineLoad } from '../types.js';
import { samplesNamed } from '../../prometheus/index.js';
import type { MetricFamily } from '../../prometheus/index.js';

export const VllmMetricName = {
  NumRequestsRunning: 'vllm:num_requests_running',
  NumRequestsWaiting: 'vllm:num_requests_waiting',
  KvCacheUsagePerc: 'vllm:kv_cache_usage_perc',
  /** vLLM before 0.10 (renamed to kv_cache_usage_perc). */
  GpuCacheUsagePerc: 'vllm:gpu_cache_usage_perc',
  CacheConfigInfo: 'vllm:cache_config_info',
  PrefixCacheQueries: 'vllm:prefix_cache_queries',
  PrefixCacheHits: 'vllm:prefix_cache_hits',
  /** vLLM 0.8-0.9 names of the prefix cache counters. */
  GpuPrefixCacheQueries: 'vllm:gpu_prefix_cache_queries',
  GpuPrefixCacheHits: 'vllm:gpu_prefix_cache_hits',
} as const;
export type VllmMetricName = (typeof VllmMetricName)[keyof typeof VllmMetricName];

export const EMPTY_ENGINE_LOAD: EngineLoad = {
  runningRequests: 0,
  waitingRequests: 0,
  kvCacheUsage: 0,
  numGpuBlocks: 0,
  blockSize: 0,
  prefixCacheQueries: 0,
  prefixCacheHits: 0,
};

/** Sum over all samples (several engines / data-parallel ranks behind one endpoint add up); undefined if absent. */
function sum(families: readonly MetricFamily[], ...names: string[]): number | undefined {
  for (const name of names) {
    const samples = samplesNamed(families, name);
    if (samples.length > 0) return samples.reduce((total, s) => total + s.value, 0);
  }
  return undefined;
}

function mean(families: readonly MetricFamily[], ...names: string[]): number | undefined {
  for (const name of names) {
    const samples = samplesNamed(families, name);
    if (samples.length > 0) return samples.reduce((total, s) => total + s.value, 0) / samples.length;
  }
  return undefined;
}

function infoLabel(families: readonly MetricFamily[], name: string, label: string): number | undefined {
  for (const sample of samplesNamed(families, name)) {
    const value = Number(sample.labels[label]);
    if (sample.labels[label] !== undefined && Number.isFinite(value)) return value;
  }
  return undefined;
}

/** Reads EngineLoad from parsed /metrics; fields a vLLM does not expose keep `previous`'s value. */
export function engineLoadFromMetrics(families: readonly MetricFamily[], previous: EngineLoad = EMPTY_ENGINE_LOAD): EngineLoad {
  const M = VllmMetricName;
  const usage = mean(families, M.KvCacheUsagePerc, M.GpuCacheUsagePerc);
  return {
    runningRequests: sum(families, M.NumRequestsRunning) ?? previous.runningRequests,
    waitingRequests: sum(families, M.NumRequestsWaiting) ?? previous.waitingRequests,
    // A fraction in [0,1] despite the "perc" in its name.
    kvCacheUsage: usage === undefined ? previous.kvCacheUsage : Math.min(1, Math.max(0, usage)),
    numGpuBlocks: infoLabel(families, M.CacheConfigInfo, 'num_gpu_blocks') ?? previous.numGpuBlocks,
    blockSize: infoLabel(families, M.CacheConfigInfo, 'block_size') ?? previous.blockSize,
    prefixCacheQueries: sum(families, `${M.PrefixCacheQueries}_total`, `${M.GpuPrefixCacheQueries}_total`) ?? previous.prefixCacheQueries,
    prefixCacheHits: sum(families, `${M.PrefixCacheHits}_total`, `${M.GpuPrefixCacheHits}_total`) ?? previous.prefixCacheHits,
  };
}
