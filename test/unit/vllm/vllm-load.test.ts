import assert from 'node:assert/strict';
import type { EngineLoad } from '../../../shared/engine/types.js';
import { EMPTY_ENGINE_LOAD, engineLoadFromMetrics } from '../../../shared/engine/vllm/index.js';
import { parsePrometheusText } from '../../../shared/prometheus/index.js';

const PREVIOUS: EngineLoad = {
  runningRequests: 9,
  waitingRequests: 9,
  kvCacheUsage: 0.9,
  numGpuBlocks: 99,
  blockSize: 32,
  prefixCacheQueries: 99,
  prefixCacheHits: 9,
};

describe('engineLoadFromMetrics', () => {
  const rows: Array<{ name: string; text: string; previous?: EngineLoad; expected: EngineLoad }> = [
    {
      name: 'vLLM V1 names',
      text: [
        'vllm:num_requests_running{engine="0"} 3',
        'vllm:num_requests_waiting{engine="0"} 2',
        'vllm:kv_cache_usage_perc{engine="0"} 0.25',
        'vllm:cache_config_info{block_size="16",num_gpu_blocks="28181"} 1',
        'vllm:prefix_cache_queries_total{engine="0"} 1000',
        'vllm:prefix_cache_hits_total{engine="0"} 600',
      ].join('\n'),
      expected: {
        runningRequests: 3,
        waitingRequests: 2,
        kvCacheUsage: 0.25,
        numGpuBlocks: 28181,
        blockSize: 16,
        prefixCacheQueries: 1000,
        prefixCacheHits: 600,
      },
    },
    {
      // vLLM 0.8/0.9: gpu_cache_usage_perc and gpu_prefix_cache_* names.
      name: 'older names',
      text: ['vllm:gpu_cache_usage_perc 0.5', 'vllm:gpu_prefix_cache_queries_total 10', 'vllm:gpu_prefix_cache_hits_total 4'].join('\n'),
      previous: PREVIOUS,
      expected: { ...PREVIOUS, kvCacheUsage: 0.5, prefixCacheQueries: 10, prefixCacheHits: 4 },
    },
    {
      // Two data-parallel engines behind one server: counts add up, usage averages (0.2+0.6)/2.
      name: 'two engines',
      text: [
        'vllm:num_requests_running{engine="0"} 1',
        'vllm:num_requests_running{engine="1"} 4',
        'vllm:kv_cache_usage_perc{engine="0"} 0.2',
        'vllm:kv_cache_usage_perc{engine="1"} 0.6',
      ].join('\n'),
      expected: { ...EMPTY_ENGINE_LOAD, runningRequests: 5, kvCacheUsage: 0.4 },
    },
    {
      // Nothing recognisable: every field keeps the last known value rather than dropping to 0.
      name: 'no vLLM metrics',
      text: 'process_cpu_seconds_total 5',
      previous: PREVIOUS,
      expected: PREVIOUS,
    },
    {
      // Out-of-range usage is clamped to [0,1].
      name: 'usage above 1',
      text: 'vllm:kv_cache_usage_perc 1.5',
      expected: { ...EMPTY_ENGINE_LOAD, kvCacheUsage: 1 },
    },
  ];
  for (const row of rows) {
    it(row.name, () => assert.deepEqual(engineLoadFromMetrics(parsePrometheusText(row.text), row.previous), row.expected));
  }
});
