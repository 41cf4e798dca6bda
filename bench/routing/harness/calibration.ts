// Values upstream routers ask operators to calibrate for their engines, measured on the simulated engine
// the way upstream says to measure them, so that each baseline runs as a careful operator would run it.
import { VirtualClock } from '../../../shared/clock/index.js';
import { SimEngineCore } from '../../../shared/engine/sim/index.js';
import type { BaselineCalibration } from '../../../shared/scheduling/index.js';
import { seededTokens } from './token-ids.js';

const cache = new Map<string, BaselineCalibration>();

/**
 * llm-d's peakPrefillThroughput (tokens/s) for an engine profile: "peakPrefillThroughput = CHUNK_SIZE /
 * median(TTFT)" (llm-d/llm-d guides/recipes/router/calibration/configuration-matrix.md), CHUNK_SIZE being
 * the engine's max_num_batched_tokens, TTFT that of a chunk-sized prompt alone on an idle engine; 5
 * prompts, the median. qwen3-32b-2xh100: 14,399 tokens/s here against upstream's 15,928 measured on
 * the real hardware; llama-3-8b-h100: 29,331.
 */
export function calibrateForProfile(profile: string): BaselineCalibration {
  let c = cache.get(profile);
  if (c !== undefined) return c;
  const clock = new VirtualClock();
  const core = new SimEngineCore({ profile, clock, seed: 1, vllmMetrics: false });
  const chunk = core.maxNumBatchedTokens;
  const ttfts: number[] = [];
  for (let k = 0; k < 5; k++) {
    const start = clock.now();
    let first = NaN;
    core.submit(
      { requestId: `calibration-${k}`, promptTokenIds: seededTokens(0xca1 + k, chunk), maxTokens: 2, ignoreEos: true },
      {
        onTokens: () => {
          if (Number.isNaN(first)) first = clock.now();
        },
        onFinish: () => {},
      },
    );
    clock.runUntil(clock.now() + 60_000);
    ttfts.push(first - start);
  }
  core.close();
  ttfts.sort((a, b) => a - b);
  c = { peakPrefillThroughput: Math.round(chunk / (ttfts[2]! / 1000)) };
  cache.set(profile, c);
  return c;
}
