// The SGLang model gateway's cache_aware policy as smg 1.13 runs it (smg-project/smg
// model_gateway/src/policies/cache_aware.rs after PRs #2137, #2161 and #2341, August 2026; least_load.rs
// for the final pick), as scores a max-score picker with random tie-break turns into the same choice:
//   load(w)   = requests the router has in flight on w (its own counter)
//   spill(w)  ⇔ load(w) > mean load × balanceRelThreshold AND load(w) > mean load + balanceAbsThreshold
//   match     = the router's prefix tree (text it routed to each worker): rate = matched / prompt length
//   rate > cacheThreshold: candidates = the workers holding the longest match (at most 8); pick among
//                          those that do not spill, else among all that do not spill, else among all
//   otherwise:             pick among all
//   pick      = least expected wait (LeastLoadPolicy, its built-in defaults), ties uniformly at random:
//               wait(w) = (waiting requests × 1024 + 1024 × requests sent since w's last load report)
//                         / 2000 tokens/s + 0.15 × k / (1 − k),   k = min(KV cache usage, 0.999)
//               (vLLM's /metrics gives no waiting-token count nor throughput: upstream falls back to
//               1024 tokens a waiting request and 2,000 tokens/s; HTTP requests count 1024 tokens each)
// Candidates score in [0.5, 1] (1 = least wait), the rest 0. The tree is kept in tokens at the
// scheduler's block size (upstream: characters of the request text); its size cap is max_tree_size
// (2^26 characters) at `charsPerToken` characters a token, per worker (smg 1.13 shares it across the
// workers of a model and trims by LRU every 120 s; at 8 workers that is still 2.1 M tokens each, well
// above an engine's cache, so the router remembers prefixes the engines have evicted, as upstream does).
// Reads: InflightLedger (requests, dispatchedSince), RoutedPrefixCache, WorkerSnapshot load reports.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type RoutedPrefixNeeds, type Scorer } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const SMG_CACHE_AWARE_SCORER_TYPE = 'smg-cache-aware-scorer';

/** smg's MATCHED_TENANTS_CAP: workers of the deepest matched tree node considered. */
const MATCHED_TENANTS_CAP = 8;
/** LeastLoadPolicy::new() defaults (least_load.rs). */
const MEAN_PREFILL_TOKENS = 1024;
const DEFAULT_THROUGHPUT_TOKENS_PER_S = 2000;
const KV_PRESSURE_WEIGHT_S = 0.15;

export interface SmgCacheAwareOptions {
  readonly cacheThreshold: number;
  readonly balanceAbsThreshold: number;
  readonly balanceRelThreshold: number;
}

export class SmgCacheAwareScorer implements Scorer {
  readonly type = SMG_CACHE_AWARE_SCORER_TYPE;
  readonly kind = PluginKind.Scorer;
  readonly consumes: readonly StateKey[] = [StateKey.RoutedPrefixes, StateKey.Inflight];
  constructor(
    readonly name: string,
    readonly options: SmgCacheAwareOptions,
    readonly routedPrefixes: RoutedPrefixNeeds,
  ) {}

  /** LeastLoad's expected wait, s. */
  expectedWaitS(cycle: SchedulingCycle, w: WorkerSnapshot): number {
    const sent = cycle.need(StateKey.Inflight).dispatchedSince(w.id, w.loadReportedAtMs);
    const k = Math.min(Math.max(w.load.kvCacheUsage, 0), 0.999);
    return ((w.load.waitingRequests + sent) * MEAN_PREFILL_TOKENS) / DEFAULT_THROUGHPUT_TOKENS_PER_S + (KV_PRESSURE_WEIGHT_S * k) / (1 - k);
  }

  /** Indices of the workers smg would choose among (before the expected-wait pick). */
  pool(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): number[] {
    const o = this.options;
    const all = workers.map((_, i) => i);
    const ledger = cycle.need(StateKey.Inflight);
    const loads = workers.map((w) => ledger.totalsFor(w.id).requests);
    const mean = loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length);
    const spills = (i: number) => loads[i]! > mean * o.balanceRelThreshold && loads[i]! > mean + o.balanceAbsThreshold;
    const promptTokens = cycle.request.tokenIds.length;
    const matches = cycle.approximateMatches();
    let longest = 0;
    for (const w of workers) longest = Math.max(longest, matches.get(w.id) ?? 0);
    const rate = promptTokens > 0 ? (longest * cycle.blockSize) / promptTokens : 0;
    if (!(longest > 0 && rate > o.cacheThreshold)) return all;
    const holders = all.filter((i) => matches.get(workers[i]!.id) === longest).slice(0, MATCHED_TENANTS_CAP);
    const safe = holders.filter((i) => !spills(i));
    if (safe.length > 0) return safe;
    const calm = all.filter((i) => !spills(i));
    return calm.length > 0 ? calm : all;
  }

  score(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): Float64Array {
    const out = new Float64Array(workers.length);
    const pool = this.pool(cycle, workers);
    const waits = pool.map((i) => this.expectedWaitS(cycle, workers[i]!));
    const min = Math.min(...waits);
    const max = Math.max(...waits);
    pool.forEach((i, j) => (out[i] = max === min ? 1 : 1 - (0.5 * (waits[j]! - min)) / (max - min)));
    return out;
  }
}

export const smgCacheAwareScorerFactory: PluginFactory = {
  type: SMG_CACHE_AWARE_SCORER_TYPE,
  kind: PluginKind.Scorer,
  create(name, params) {
    // smg launch CLI defaults (model_gateway/src/main.rs): 0.3, 64, 1.5, max_tree_size 2^26.
    const options: SmgCacheAwareOptions = {
      cacheThreshold: params.number('cacheThreshold', { default: 0.3, min: 0, max: 1 }),
      balanceAbsThreshold: params.number('balanceAbsThreshold', { default: 64, min: 0 }),
      balanceRelThreshold: params.number('balanceRelThreshold', { default: 1.5, min: 1 }),
    };
    const maxTreeSize = params.number('maxTreeSize', { default: 2 ** 26, min: 1, integer: true });
    // ~4 characters a token for English text (the same guess upstream GIE made for its 64-character blocks).
    const charsPerToken = params.number('charsPerToken', { default: 4, min: 0, minExclusive: true });
    const blockTokens = params.number('blockSizeTokens', { default: 16, min: 1, integer: true });
    params.done();
    const capacityBlocks = Math.max(1, Math.floor(maxTreeSize / charsPerToken / blockTokens));
    return new SmgCacheAwareScorer(name, options, { blockTokens, capacityBlocks });
  },
};
