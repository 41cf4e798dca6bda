// llm-d's approximate prefix-cache scoring, for engines without KV events: the leading prompt blocks this
// scheduler routed to the worker before, over the prompt's blocks (llm-d/llm-d-router,
// pkg/epp/framework/plugins/scheduling/scorer/prefix/plugin.go: score = matchBlocks / totalBlocks with
// the default prefixLengthWeight 0; the memory is its approx-prefix-cache-producer,
// pkg/epp/framework/plugins/requestcontrol/dataproducer/approximateprefix: blocks of blockSizeTokens,
// raised to at least 64 tokens, at most maxPrefixTokensToMatch tokens of a prompt (default 131,072), an
// LRU per server recorded when a request is picked, sized by the engine's num_gpu_blocks under autoTune
// (else lruCapacityPerServer, 31,250)). Reads: RoutedPrefixCache.
import type { PluginParams } from '../../config/params.js';
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type RoutedPrefixNeeds, type Scorer } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const APPROX_PREFIX_SCORER_TYPE = 'approx-prefix-cache-scorer';

export class ApproxPrefixScorer implements Scorer {
  readonly type = APPROX_PREFIX_SCORER_TYPE;
  readonly kind = PluginKind.Scorer;
  readonly consumes: readonly StateKey[] = [StateKey.RoutedPrefixes];
  constructor(
    readonly name: string,
    /** The routing memory this scorer reads; the Scheduler builds it from this. */
    readonly routedPrefixes: RoutedPrefixNeeds,
  ) {}

  score(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): number[] {
    return approximateMatchRatios(cycle, workers);
  }
}

/** Per worker: routed leading blocks / the prompt's blocks, in the routing memory's block unit. */
export function approximateMatchRatios(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): number[] {
  const routed = cycle.need(StateKey.RoutedPrefixes);
  const total = routed.entries(cycle.blockHashes()) * routed.blocksPerEntry;
  if (total === 0) return workers.map(() => 0);
  const matches = cycle.approximateMatches();
  return workers.map((w) => (matches.get(w.id) ?? 0) / total);
}

/** Reads llm-d's approximate producer parameters (names as upstream's) into routing-memory needs. */
export function readApproxProducerParams(params: PluginParams): RoutedPrefixNeeds {
  // llm-d raises any block size below 64 tokens to 64 ("a small block size (e.g., vLLM's default of 16)
  // would inflate indexer memory by ~64x").
  const blockTokens = params.number('blockSizeTokens', { default: 64, min: 1, integer: true });
  const maxPrefixTokens = params.number('maxPrefixTokensToMatch', { default: 131_072, min: 1, integer: true });
  const autoTune = params.boolean('autoTune', true);
  const lruCapacityPerServer = params.number('lruCapacityPerServer', { default: 31_250, min: 1, integer: true });
  return { blockTokens, capacityBlocks: autoTune ? 'engine' : lruCapacityPerServer, maxPrefixTokens };
}

export const approxPrefixScorerFactory: PluginFactory = {
  type: APPROX_PREFIX_SCORER_TYPE,
  kind: PluginKind.Scorer,
  create(name, params) {
    const needs = readApproxProducerParams(params);
    params.done();
    return new ApproxPrefixScorer(name, needs);
  },
};
