// The shape of an engine profile: a model, the GPUs it runs on, how vLLM is configured, and the
// efficiency factors that turn data-sheet peaks into achieved step times.

/** Model architecture, as in the model's Hugging Face config.json. */
export interface ModelShape {
  /** Served model name (the OpenAI `model` field). */
  readonly name: string;
  readonly numLayers: number;
  readonly numQueryHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  /** Total parameters. */
  readonly numParams: number;
  /** Bytes per weight and per KV element (2 for BF16). */
  readonly dtypeBytes: number;
  /** vLLM's max_model_len, tokens. */
  readonly maxModelLen: number;
}

/** One GPU, from its data sheet. */
export interface GpuSpec {
  readonly name: string;
  /** Device memory, bytes. */
  readonly memoryBytes: number;
  /** Dense BF16 tensor-core peak, FLOP/s. */
  readonly peakFlops: number;
  /** HBM bandwidth, bytes/s. */
  readonly hbmBandwidth: number;
}

/** A published (or data-sheet-derived) figure a profile is calibrated on; the bench prints ours beside it. */
export interface ReferenceFigure {
  readonly metric: 'ttftMs' | 'itlMs' | 'kvCacheTokens';
  /** Concurrent requests decoding (ITL) or prefilling (TTFT). */
  readonly batchSize: number;
  readonly promptTokens: number;
  readonly value: number;
  /** Where the figure comes from, and how it was derived if it was. */
  readonly source: string;
}

export interface EngineProfile {
  readonly name: string;
  readonly model: ModelShape;
  readonly gpu: GpuSpec;
  readonly tensorParallelSize: number;
  /** vLLM --gpu-memory-utilization: share of each GPU's memory vLLM may use. */
  readonly gpuMemoryUtilization: number;
  /** Per GPU, bytes kept out of the KV cache for activations, CUDA graphs and non-torch allocations. */
  readonly activationReserveBytes: number;
  /** Achieved / peak FLOP/s for the step's matmuls and attention (model FLOPs utilization). */
  readonly computeEfficiency: number;
  /** Achieved / peak HBM bandwidth when streaming weights and KV. */
  readonly bandwidthEfficiency: number;
  /** Fixed cost of every step (scheduling, input prep, kernel launches, sampling), ms. */
  readonly stepOverheadMs: number;
  /** Tensor-parallel all-reduce cost per layer per step (2 all-reduces per layer), µs; 0 for TP1. */
  readonly allReduceUsPerLayer: number;
  /** Step times are scaled by 1 + jitter·u, u uniform in [-1, 1). */
  readonly jitterFraction: number;
  /** vLLM scheduler defaults for this deployment. */
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
  readonly references: readonly ReferenceFigure[];
}

/** Scalar fields a caller may override (tests shrink the cache or speed up steps). */
export type ProfileOverrides = Partial<
  Pick<
    EngineProfile,
    | 'gpuMemoryUtilization'
    | 'activationReserveBytes'
    | 'computeEfficiency'
    | 'bandwidthEfficiency'
    | 'stepOverheadMs'
    | 'allReduceUsPerLayer'
    | 'jitterFraction'
    | 'maxNumSeqs'
    | 'maxNumBatchedTokens'
  >
> & {
  /** Fixes the number of KV blocks instead of deriving it from GPU memory. */
  readonly numGpuBlocks?: number;
};
