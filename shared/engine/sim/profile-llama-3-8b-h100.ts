import { H100_SXM } from './gpu-h100.js';
import type { EngineProfile } from './profile.js';

/**
 * Llama-3-8B (BF16) served by vLLM v1 on one H100 SXM (TP1).
 * Model shape: meta-llama/Meta-Llama-3-8B config.json (32 layers, 32 attention heads, 8 KV heads,
 * hidden 4096 so head dim 128); 8.03e9 parameters (model card). Served as Llama-3.1-8B-Instruct, the
 * same architecture with a 128k context (max_position_embeddings 131072), which is what current
 * deployments and the benchmarks cited below run; Llama-3-8B itself stops at 8192 tokens.
 * KV: 2 × 32 × 8 × 128 × 2 B = 128 KiB per token. Weights: 16.06 GB, so a decode step that reads them
 * once takes at least 16.06 GB / 3.35 TB/s = 4.79 ms on the data sheet's bandwidth.
 */
export const LLAMA_3_8B_H100: EngineProfile = {
  name: 'llama-3-8b-h100',
  model: {
    name: 'meta-llama/Llama-3.1-8B-Instruct',
    numLayers: 32,
    numQueryHeads: 32,
    numKvHeads: 8,
    headDim: 128,
    numParams: 8.03e9,
    dtypeBytes: 2,
    maxModelLen: 131_072,
  },
  gpu: H100_SXM,
  tensorParallelSize: 1,
  // vLLM's default --gpu-memory-utilization.
  gpuMemoryUtilization: 0.9,
  // 2 GiB for the activation peak of an 8192-token step, CUDA graphs and non-torch memory; gives
  // 28,181 blocks = 450,896 tokens (test-checked), in line with the ~450k tokens vLLM logs for 8B
  // Llamas on one 80 GB GPU.
  activationReserveBytes: 2 * 1024 ** 3,
  // Prefill matmuls: H100 BF16 GEMMs reach 60-70% of peak and FlashAttention-3 reaches 740 TFLOPS
  // = 75% (Shah et al., "FlashAttention-3", 2024); norms, rotary, activation and sampling between the
  // kernels bring a whole vLLM prefill step to ~55%.
  computeEfficiency: 0.55,
  // Streaming weights and KV: ~80% of data-sheet HBM bandwidth, the kernel-level share consistent with
  // vLLM's batch-1 decode measured end to end at 77% of the HBM roofline (Llama-3.1-8B, vLLM, A100:
  // johnmusgrave.com "vLLM throughput-latency sweep on NVIDIA A100", 2025) once the step overhead
  // below is taken out.
  bandwidthEfficiency: 0.8,
  // Scheduler, input preparation, CUDA-graph launch and sampling per step (vLLM v1 overlaps part of it).
  stepOverheadMs: 1.2,
  allReduceUsPerLayer: 0,
  jitterFraction: 0.03,
  // vLLM's defaults for `vllm serve` on a GPU with ≥ 70 GiB that is not an A100 (H100, H200, MI300x):
  // max_num_seqs 1024, max_num_batched_tokens 8192 (vllm/engine/arg_utils.py, EngineArgs.get_batch_defaults,
  // OPENAI_API_SERVER usage context; 256 / 2048 on smaller GPUs and A100).
  maxNumSeqs: 1024,
  maxNumBatchedTokens: 8192,
  references: [
    {
      metric: 'itlMs',
      batchSize: 1,
      promptTokens: 1024,
      value: 6.2,
      source:
        'derived: weight-read roofline 4.79 ms at the 77% of roofline vLLM reaches at batch 1 ' +
        '(johnmusgrave.com A100 sweep, Llama-3.1-8B, 1024 in / 128 out, 2025)',
    },
    {
      metric: 'itlMs',
      batchSize: 8,
      promptTokens: 128,
      value: 9.3,
      source:
        'vLLM CI performance benchmark (buildkite.com/vllm/performance-benchmark/builds/9515): ' +
        'latency_llama8B_tp1 on H200, 32 in / 128 out, batch 8, 833 ms per request = 6.5 ms per step, ' +
        'scaled to H100 by the HBM bandwidth ratio 4.8 / 3.35 TB/s (an upper bound: overhead does not scale)',
    },
  ],
};
