import type { EngineProfile, ProfileOverrides } from './profile.js';
import { LLAMA_3_8B_H100 } from './profile-llama-3-8b-h100.js';
import { QWEN3_32B_2XH100 } from './profile-qwen3-32b-2xh100.js';

/** Profiles shipped with the simulator, by name. */
export const ENGINE_PROFILES: Readonly<Record<string, EngineProfile>> = {
  [LLAMA_3_8B_H100.name]: LLAMA_3_8B_H100,
  [QWEN3_32B_2XH100.name]: QWEN3_32B_2XH100,
};

export const DEFAULT_PROFILE_NAME = LLAMA_3_8B_H100.name;

/** Resolves a profile name or object and applies overrides; validates the result, naming the field. */
export function resolveProfile(profile: string | EngineProfile, overrides: ProfileOverrides = {}): EngineProfile {
  const base = typeof profile === 'string' ? ENGINE_PROFILES[profile] : profile;
  if (base === undefined) {
    throw new Error(
      `unknown engine profile '${typeof profile === 'string' ? profile : profile.name}' (known: ${Object.keys(ENGINE_PROFILES).join(', ')})`,
    );
  }
  const { numGpuBlocks: _ignored, ...scalars } = overrides;
  const merged: EngineProfile = { ...base, ...scalars };
  const positive: (keyof EngineProfile)[] = [
    'tensorParallelSize',
    'computeEfficiency',
    'bandwidthEfficiency',
    'maxNumSeqs',
    'maxNumBatchedTokens',
  ];
  for (const field of positive) {
    const v = merged[field];
    if (typeof v !== 'number' || !(v > 0)) throw new RangeError(`profile ${merged.name}: ${field} must be > 0, got ${JSON.stringify(v)}`);
  }
  const nonNegative: (keyof EngineProfile)[] = ['stepOverheadMs', 'allReduceUsPerLayer', 'jitterFraction', 'activationReserveBytes'];
  for (const field of nonNegative) {
    const v = merged[field];
    if (typeof v !== 'number' || !(v >= 0)) throw new RangeError(`profile ${merged.name}: ${field} must be >= 0, got ${JSON.stringify(v)}`);
  }
  if (!(merged.gpuMemoryUtilization > 0 && merged.gpuMemoryUtilization <= 1)) {
    throw new RangeError(`profile ${merged.name}: gpuMemoryUtilization must be in (0, 1], got ${merged.gpuMemoryUtilization}`);
  }
  if (merged.jitterFraction >= 1) throw new RangeError(`profile ${merged.name}: jitterFraction must be < 1`);
  return merged;
}
