// The simulated engine the in-process test fleets run: SimEngine with the default H100 profile, its
// KV events under the worker's id.
import { createEngine } from '../../shared/engine/factory.js';
import type { Engine } from '../../shared/engine/types.js';

export function simEngine(engineId: string, model: string, seed = 1): Engine {
  return createEngine({ kind: 'sim', model, profile: 'llama-3-8b-h100', vllmUrl: '', vllmKvEventsEndpoint: '', seed, engineId });
}
