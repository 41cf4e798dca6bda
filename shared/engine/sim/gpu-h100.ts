import type { GpuSpec } from './profile.js';

/**
 * NVIDIA H100 SXM5 80GB. Source: NVIDIA H100 Tensor Core GPU data sheet (2023): BF16 tensor core
 * 1,979 TFLOPS with sparsity, i.e. 989 TFLOPS dense; HBM3 3.35 TB/s; 80 GB.
 */
export const H100_SXM: GpuSpec = {
  name: 'H100-SXM-80GB',
  // The data sheet's "80GB" is 80 GiB of HBM3 (vLLM budgets from torch's total, slightly less; the
  // profile's activation reserve absorbs the difference).
  memoryBytes: 80 * 1024 ** 3,
  peakFlops: 989e12,
  hbmBandwidth: 3.35e12,
};
