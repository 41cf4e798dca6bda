// Builds the engine a worker wraps, from its options.
import { SimEngine } from './sim/index.js';
import type { Engine, EngineKind } from './types.js';
import { VllmEngine } from './vllm/index.js';

export interface EngineOptions {
  readonly kind: EngineKind;
  readonly model: string;
  /** SimEngine latency profile name. */
  readonly profile: string;
  /** vLLM base URL, for kind 'vllm'. */
  readonly vllmUrl: string;
  /** vLLM ZMQ KV-events endpoint, for kind 'vllm' (empty: no events). */
  readonly vllmKvEventsEndpoint: string;
  readonly seed: number;
  /** Identifies the engine (its KV events and kv_transfer_params). */
  readonly engineId: string;
  /** SimEngine: host memory for CPU KV offloading, GiB (vLLM's --kv-offloading-size); 0 or absent: none. */
  readonly kvOffloadingGib?: number;
}

/** vLLM's --kv-offloading-size is in GiB. */
const GIB = 1024 ** 3;

export function createEngine(options: EngineOptions): Engine {
  switch (options.kind) {
    case 'sim':
      return new SimEngine({
        profile: options.profile,
        model: options.model,
        seed: options.seed,
        engineId: options.engineId,
        ...(options.kvOffloadingGib ? { cpuOffload: { bytes: options.kvOffloadingGib * GIB } } : {}),
      });
    case 'vllm':
      return new VllmEngine({
        baseUrl: options.vllmUrl,
        model: options.model,
        ...(options.vllmKvEventsEndpoint ? { kvEventsEndpoint: options.vllmKvEventsEndpoint } : {}),
      });
  }
}
