import { H100_SXM } from './gpu-h100.js';
import type { EngineProfile } from './profile.js';

/**
 * Qwen3-32B (BF16) served by vLLM v1 on two H100 SXM with tensor parallelism 2: one replica of
 * llm-d's Qwen3-32B benchmarks.
 * Model shape: Qwen/Qwen3-32B config.json (64 layers, 64 attention heads, 8 KV heads, head_dim 128,
 * max_position_embeddings 40960); 32.8e9 parameters (model card).
 * Per GPU: KV 2 × 64 × (8 / 2) × 128 × 2 B = 128 KiB per token; weights 65.6 GB / 2 = 32.8 GB.
 */
export const QWEN3_32B_2XH100: EngineProfile = {
  name: 'qwen3-32b-2xh100',
  model: {
    name: 'Qwen/Qwen3-32B',
    numLayers: 64,
    numQueryHeads: 64,
    numKvHeads: 8,
    headDim: 128,
    numParams: 32.8e9,
    dtypeBytes: 2,
    maxModelLen: 40960,
  },
  gpu: H100_SXM,
  tensorParallelSize: 2,
  // vLLM's default --gpu-memory-utilization, as llm-d's Qwen3-32B deployments use.
  gpuMemoryUtilization: 0.9,
  // Chosen to reproduce the published capacity: llm-d's Qwen3-32B on 2×H100 (TP2) replicas log
  // "GPU KV cache size: 307,328 tokens" (llm-d precise prefix-cache-aware routing guide/benchmark).
  // 0.9 × 80 GiB − 32.8 GB weights − 4.226 GB = 40.283 GB ⇒ floor(40.283e9 / (131,072 B × 16)) =
  // 19,208 blocks = 307,328 tokens. Any reserve in (4.2252, 4.2273] GB gives the same count; 4.226 GB
  // (3.94 GiB) is a plausible activation + CUDA-graph + NCCL-buffer + non-torch footprint per GPU.
  activationReserveBytes: 4.226e9,
  // Same kernel-efficiency rationale as llama-3-8b-h100 (FlashAttention-3 / GEMM efficiency on H100).
  computeEfficiency: 0.55,
  bandwidthEfficiency: 0.8,
  stepOverheadMs: 1.2,
  // Two all-reduces per layer over NVLink; small-message NCCL all-reduce latency on H100 NVLink is
  // ~8-10 µs (nccl-tests all_reduce_perf at KB sizes), so ~18 µs per layer, 1.15 ms per 64-layer step.
  allReduceUsPerLayer: 18,
  jitterFraction: 0.03,
  // vLLM's defaults for `vllm serve` on a GPU with ≥ 70 GiB that is not an A100 (H100, H200, MI300x):
  // max_num_seqs 1024, max_num_batched_tokens 8192 (vllm/engine/arg_utils.py, EngineArgs.get_batch_defaults,
  // OPENAI_API_SERVER usage context; 256 / 2048 on smaller GPUs and A100).
  maxNumSeqs: 1024,
  maxNumBatchedTokens: 8192,
  references: [
    {
      metric: 'kvCacheTokens',
      batchSize: 0,
      promptTokens: 0,
      value: 307_328,
      source: 'llm-d Qwen3-32B on 2×H100 (TP2) benchmark: vLLM "GPU KV cache size: 307,328 tokens" per replica',
    },
    {
      metric: 'itlMs',
      batchSize: 1,
      promptTokens: 1024,
      value: 12.7,
      source:
        'derived: weight-read roofline 32.8 GB per GPU / 3.35 TB/s = 9.79 ms at the 77% of roofline ' +
        'vLLM reaches at batch 1 (johnmusgrave.com A100 sweep, 2025)',
    },
  ],
};
