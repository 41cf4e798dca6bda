// Flag declarations more than one scenario shares.
import { option } from '../../../shared/config/index.js';
import { ENGINE_PROFILES } from '../../../shared/engine/sim/index.js';

/** Bounds of a number that must be > 0. */
export const POSITIVE = { min: 0, exclusiveMin: true } as const;

export function profileFlag(defaultProfile: string) {
  return option.choice({ flag: 'profile', choices: Object.keys(ENGINE_PROFILES), default: defaultProfile, doc: 'SimEngine profile' });
}

export function replicasFlag(defaultReplicas: number) {
  return option.integer({ flag: 'replicas', min: 1, default: defaultReplicas, doc: 'engine replicas' });
}
