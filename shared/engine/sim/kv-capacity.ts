// KV-cache capacity as vLLM sizes it at start-up: what is left of gpu_memory_utilization × GPU memory
// after the weights and the activation peak, divided by the bytes one block occupies.
import type { EngineProfile } from './profile.js';

/** KV bytes per token on each GPU: K and V × layers × KV heads × head dim × dtype, KV heads split over TP. */
export function kvBytesPerTokenPerGpu(profile: EngineProfile): number {
  const m = profile.model;
  return (2 * m.numLayers * m.numKvHeads * m.headDim * m.dtypeBytes) / profile.tensorParallelSize;
}

/** Weight bytes on each GPU (tensor parallelism shards them evenly). */
export function weightBytesPerGpu(profile: EngineProfile): number {
  return (profile.model.numParams * profile.model.dtypeBytes) / profile.tensorParallelSize;
}

/** vLLM's num_gpu_blocks. */
export function numGpuBlocksFor(profile: EngineProfile, blockSize: number): number {
  const available = profile.gpu.memoryBytes * profile.gpuMemoryUtilization - weightBytesPerGpu(profile) - profile.activationReserveBytes;
  const blocks = Math.floor(available / (kvBytesPerTokenPerGpu(profile) * blockSize));
  if (blocks < 2) throw new RangeError(`profile ${profile.name}: no GPU memory left for the KV cache`);
  return blocks;
}
