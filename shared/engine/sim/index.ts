// The simulated vLLM v1 replica: SimEngine (the Engine interface), SimEngineCore (callback API for
// virtual-time benchmarks), profiles and the pieces a scheduler may reuse (block hashing, capacity).
export { SimEngine } from './sim-engine.js';
export type { SimEngineOptions } from './sim-engine.js';
export { SimEngineCore } from './engine-core.js';
export type { CoreCallbacks, CoreFinish, CoreRequest, SimEngineCoreOptions } from './core-types.js';
export type { ExternalKvStore } from './external-kv.js';
export { CPU_MEDIUM, CpuOffloadTier, DEFAULT_PCIE_BANDWIDTH } from './cpu-offload-tier.js';
export type { CpuOffloadOptions } from './cpu-offload-tier.js';
export type { EngineProfile, GpuSpec, ModelShape, ProfileOverrides, ReferenceFigure } from './profile.js';
export { DEFAULT_PROFILE_NAME, ENGINE_PROFILES, resolveProfile } from './profile-registry.js';
export { LLAMA_3_8B_H100 } from './profile-llama-3-8b-h100.js';
export { QWEN3_32B_2XH100 } from './profile-qwen3-32b-2xh100.js';
export { H100_SXM } from './gpu-h100.js';
export { kvBytesPerTokenPerGpu, numGpuBlocksFor, weightBytesPerGpu } from './kv-capacity.js';
export { LatencyModel, StepWork } from './latency-model.js';
export type { StepCost } from './latency-model.js';
export { hashBlockTokens, noneHash } from './block-hash-chain.js';
export type { BlockHash } from './block-hash-chain.js';
export { NATURAL_LENGTH_MEDIAN, NATURAL_LENGTH_SIGMA } from './output-tokens.js';
export { declareVllmLoadMetrics, vllmEngineCounter, vllmRequestSuccess } from './vllm-core-metrics.js';
export type { VllmEngineLabels } from './vllm-core-metrics.js';
