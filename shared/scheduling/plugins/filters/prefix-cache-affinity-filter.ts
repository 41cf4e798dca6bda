// llm-d's "sticky until saturated" (llm-d/llm-d-router pkg/epp/framework/plugins/scheduling/filter/
// prefixcacheaffinity/plugin.go, Filter; the default of its optimized-baseline guide): keep only the
// workers whose prefix match ratio reaches affinityThreshold, unless that would cost too much first-token
// time against the best other worker:
//   ratio(w)  = matched blocks / prompt blocks           (its prefix producer's blocks)
//   sticky    = {w : ratio(w) ≥ affinityThreshold};  none sticky -> keep all
//   ttft(w)   = in-flight prompt tokens(w) / peakPrefillThroughput × 1000   (ms)
//   min ttft(sticky) − min ttft(others) > maxTTFTPenaltyMs -> keep all ("load_override")
//   otherwise keep the sticky ones.
// In-flight tokens are llm-d's inflight-load-producer: the uncached part of each request dispatched to
// the worker, released at its first streamed token (InflightLedger.pendingPrefillTokens).
// Defaults are upstream's: threshold 0.80, penalty 18,000 ms, peakPrefillThroughput 15,928 tokens/s
// (calibrated upstream for Qwen3-32B on 2×H100 TP2 with vLLM: CHUNK_SIZE / median TTFT, llm-d/llm-d
// guides/recipes/router/calibration), exploration 0.
// Reads: prefix matches (precise index or routing memory, per `prefixSource`), InflightLedger.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type Filter, type RoutedPrefixNeeds } from '../../framework.js';
import { PrefixSource, type WorkerSnapshot } from '../../types.js';
import { approximateMatchRatios, readApproxProducerParams } from '../scorers/approx-prefix-scorer.js';

export const PREFIX_CACHE_AFFINITY_FILTER_TYPE = 'prefix-cache-affinity-filter';

export interface AffinityOptions {
  readonly affinityThreshold: number;
  /** ms; 0 = always stick. */
  readonly maxTTFTPenaltyMs: number;
  /** tokens/s of prefill one engine sustains. */
  readonly peakPrefillThroughput: number;
  /** Chance of keeping every worker regardless (exploration). */
  readonly explorationProbability: number;
}

export class PrefixCacheAffinityFilter implements Filter {
  readonly type = PREFIX_CACHE_AFFINITY_FILTER_TYPE;
  readonly kind = PluginKind.Filter;
  readonly consumes: readonly StateKey[];
  readonly preciseMatchTokens: number | undefined;
  readonly hostCacheHitWeight?: number;
  constructor(
    readonly name: string,
    readonly options: AffinityOptions,
    readonly prefixSource: PrefixSource,
    /** approximate: the routing memory; precise: tokens per block of the match ratio (llm-d's blockSizeTokens). */
    readonly routedPrefixes: RoutedPrefixNeeds | undefined,
    readonly preciseBlockTokens: number,
    /** precise: speculative indexing TTL, ms (0: off). */
    readonly speculativeTtlMs: number,
    /** precise: share of a GPU block a host-tier (CPU offload) block counts for in the match (llm-d: CPU 0.8). */
    hostCacheHitWeight = 0,
  ) {
    if (hostCacheHitWeight > 0) this.hostCacheHitWeight = hostCacheHitWeight;
    this.consumes = [StateKey.Inflight, prefixSource === PrefixSource.Precise ? StateKey.PrefixIndex : StateKey.RoutedPrefixes];
    // llm-d's in-flight tokens count the uncached part in its producer's blocks too.
    this.preciseMatchTokens = prefixSource === PrefixSource.Precise ? preciseBlockTokens : undefined;
  }

  /** Match ratio per worker, as the configured prefix producer reports it. */
  ratios(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): number[] {
    if (this.prefixSource === PrefixSource.Approximate) return approximateMatchRatios(cycle, workers);
    return preciseMatchRatios(cycle, workers, this.preciseBlockTokens, this.hostCacheHitWeight ?? 0);
  }

  filter(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): readonly WorkerSnapshot[] {
    const o = this.options;
    if (workers.length <= 1 || o.affinityThreshold <= 0) return workers;
    if (o.explorationProbability > 0 && cycle.context.random() < o.explorationProbability) return workers;
    const ratios = this.ratios(cycle, workers);
    const sticky = workers.filter((_, i) => ratios[i]! >= o.affinityThreshold);
    if (sticky.length === 0 || sticky.length === workers.length || o.maxTTFTPenaltyMs <= 0) return sticky.length === 0 ? workers : sticky;
    const ledger = cycle.need(StateKey.Inflight);
    const ttftMs = (w: WorkerSnapshot) => (ledger.totalsFor(w.id).pendingPrefillTokens / o.peakPrefillThroughput) * 1000;
    const best = (ws: readonly WorkerSnapshot[]) => ws.reduce((m, w) => Math.min(m, ttftMs(w)), Infinity);
    const others = workers.filter((_, i) => ratios[i]! < o.affinityThreshold);
    return best(sticky) - best(others) > o.maxTTFTPenaltyMs ? workers : sticky;
  }
}

/**
 * Per worker: matched blocks / prompt blocks at blockTokens per block, from the precise index (llm-d's
 * precise-prefix-cache-producer recomputes keys at its own blockSizeTokens; the index here is kept at the
 * engine's block size, so a match of m engine blocks is floor(m × blockSize / blockTokens) of its blocks).
 */
export function preciseMatchRatios(
  cycle: SchedulingCycle,
  workers: readonly WorkerSnapshot[],
  blockTokens: number,
  hostCacheHitWeight = 0,
): number[] {
  const total = Math.floor(cycle.request.tokenIds.length / blockTokens);
  if (total === 0) return workers.map(() => 0);
  const matches = cycle.preciseMatches();
  return workers.map((w) => {
    const gpu = Math.floor(((matches.get(w.id) ?? 0) * cycle.blockSize) / blockTokens);
    if (!(hostCacheHitWeight > 0)) return gpu / total;
    const host = Math.floor((cycle.hostBlocks(w.id) * cycle.blockSize) / blockTokens);
    return Math.min(1, (gpu + hostCacheHitWeight * host) / total);
  });
}

export const prefixCacheAffinityFilterFactory: PluginFactory = {
  type: PREFIX_CACHE_AFFINITY_FILTER_TYPE,
  kind: PluginKind.Filter,
  create(name, params) {
    const options: AffinityOptions = {
      affinityThreshold: params.number('affinityThreshold', { default: 0.8, min: 0, max: 1 }),
      maxTTFTPenaltyMs: params.number('maxTTFTPenaltyMs', { default: 18_000, min: 0 }),
      peakPrefillThroughput: params.number('peakPrefillThroughput', { default: 15_928, min: 0, minExclusive: true }),
      explorationProbability: params.number('explorationProbability', { default: 0, min: 0, max: 1 }),
    };
    const source = params.oneOf('prefixSource', [PrefixSource.Approximate, PrefixSource.Precise], PrefixSource.Approximate);
    // The producer's parameters: approximate reads llm-d's approx producer's; precise its block size and
    // speculative indexing (speculativeTTL 2 s upstream when speculativeIndexing is on).
    const approx = source === PrefixSource.Approximate ? readApproxProducerParams(params) : undefined;
    const preciseBlockTokens =
      source === PrefixSource.Precise ? params.number('blockSizeTokens', { default: 64, min: 1, integer: true }) : 64;
    const speculativeTtlMs = source === PrefixSource.Precise ? params.number('speculativeTtlMs', { default: 0, min: 0 }) : 0;
    const hostCacheHitWeight = source === PrefixSource.Precise ? params.number('hostCacheHitWeight', { default: 0, min: 0, max: 1 }) : 0;
    params.done();
    return new PrefixCacheAffinityFilter(name, options, source, approx, preciseBlockTokens, speculativeTtlMs, hostCacheHitWeight);
  },
};
