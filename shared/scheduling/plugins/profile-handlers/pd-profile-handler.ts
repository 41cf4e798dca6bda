// Runs the decode profile always, and splits prefill off only when that pays. After llm-d's
// pd-profile-handler, whose threshold is also in uncached tokens; the cost test is ours.
//   1. Gate: the prompt's uncached tokens on the chosen decode worker reach `thresholdTokens`, and some
//      prefill-role worker (other than the decode worker) serving the model is healthy and has fewer than
//      `maxPrefillWaiting` waiting requests. Then the prefill profile runs.
//   2. Cost (when `costAware`), in tokens of prefill work ahead of this prompt's first token:
//        local  = decode worker's pending prefill tokens (InflightLedger: assigned, not yet at first token)
//                 + this prompt's uncached tokens there
//        remote = prefill worker's backlog (PrefillBacklog: this scheduler's splits, drained at
//                 prefillTokensPerS; at least its reported running+waiting × thresholdTokens)
//                 + this prompt's uncached tokens there
//                 + transferCostPerToken × the tokens the decode worker pulls (KV transfer time in
//                   prefill-token equivalents)
//      Among the prefill profile's candidates the one with the lowest remote cost is taken (ties: the
//      profile's own pick). Split when remote ≤ (1 + remoteBias) × local: remoteBias > 0 accepts a
//      slightly later first token to keep a long prefill off a decode worker's running streams (ITL).
//   Without `costAware` only the gate decides (llm-d's behaviour).
//   3. Cache-holder prefill (when `cacheHolderPrefill`, for aggregated fleets of kv_both engines): when
//      no prefill worker took the prompt, a `both` worker holding more of its prefix than the decode
//      worker may compute the suffix for it (cache-holder-prefill.ts has the cost test).
// Reads: the decode and prefill results, cached prefix blocks, InflightLedger, WorkerSnapshot
// role/models/health/load. Keeps (costAware, cacheHolderPrefill): the PrefillBacklog of its splits.
import { withChosen } from '../../lazy-explanation.js';
import { CacheHolderPrefill } from './cache-holder-prefill.js';
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type ProfileHandler, type ProfileResult, type SchedulingProfile } from '../../framework.js';
import { WorkerRole, type WorkerSnapshot } from '../../types.js';

export const PD_PROFILE_HANDLER_TYPE = 'pd-profile-handler';

export interface PdCostOptions {
  /** Compare local and remote prefill cost (else the gate alone decides). */
  readonly costAware: boolean;
  /** tokens/s one prefill worker computes (drains the backlog estimate). */
  readonly prefillTokensPerS: number;
  /** Prefill-token equivalents per KV token transferred to the decode worker. */
  readonly transferCostPerToken: number;
  /** Split when remote ≤ (1 + remoteBias) × local. */
  readonly remoteBias: number;
  /** Aggregated fleets: prefill on a kv_both cache holder, decode where the decode profile chose. */
  readonly cacheHolderPrefill?: boolean;
  /** Cache-holder split when holder ≤ (1 + holderBias) × local. */
  readonly holderBias?: number;
  /** ms; a cache holder with an older load report is not used. */
  readonly holderMaxLoadAgeMs?: number;
}

export const DEFAULT_PD_COST: PdCostOptions = {
  costAware: false,
  prefillTokensPerS: 25_000,
  transferCostPerToken: 0.07,
  remoteBias: 0,
  cacheHolderPrefill: false,
  holderBias: 0,
  holderMaxLoadAgeMs: 5000,
};

export class PdProfileHandler implements ProfileHandler {
  readonly type = PD_PROFILE_HANDLER_TYPE;
  readonly kind = PluginKind.ProfileHandler;
  readonly consumes: readonly StateKey[];
  /** The veto of each cycle, for processResults' explanation. */
  private readonly vetoes = new WeakMap<SchedulingCycle, string>();
  /** Set when cacheHolderPrefill is on. */
  readonly cacheHolder?: CacheHolderPrefill;
  constructor(
    readonly name: string,
    readonly decodeProfile: string,
    readonly prefillProfile: string,
    /** tokens; uncached prompt tokens on the decode worker at or above which prefill may be split off. */
    readonly thresholdTokens: number,
    /** A prefill worker has room while its waiting requests are below this. */
    readonly maxPrefillWaiting: number,
    readonly cost: PdCostOptions = DEFAULT_PD_COST,
  ) {
    this.consumes = cost.costAware || cost.cacheHolderPrefill === true ? [StateKey.Inflight, StateKey.PrefillBacklog] : [];
    if (cost.cacheHolderPrefill === true)
      this.cacheHolder = new CacheHolderPrefill({
        thresholdTokens,
        prefillTokensPerS: cost.prefillTokensPerS,
        transferCostPerToken: cost.transferCostPerToken,
        holderBias: cost.holderBias ?? DEFAULT_PD_COST.holderBias!,
        maxLoadAgeMs: cost.holderMaxLoadAgeMs ?? DEFAULT_PD_COST.holderMaxLoadAgeMs!,
      });
  }

  /** Why prefill should (null) or should not (a reason) run apart, given the chosen decode worker. */
  private prefillVeto(cycle: SchedulingCycle, decodeWorkerId: string, hasPrefillProfile: boolean): string | null {
    if (!hasPrefillProfile) return 'no prefill profile configured';
    const uncached = cycle.uncachedTokens(decodeWorkerId);
    if (uncached < this.thresholdTokens) return `uncached tokens ${uncached} < threshold ${this.thresholdTokens}`;
    const room = cycle.context.workers.some((w) => this.hasRoom(cycle, w, decodeWorkerId));
    return room ? null : `uncached tokens ${uncached} ≥ threshold but no prefill worker has room`;
  }

  private hasRoom(cycle: SchedulingCycle, w: WorkerSnapshot, decodeWorkerId: string): boolean {
    return (
      w.role === WorkerRole.Prefill &&
      w.id !== decodeWorkerId &&
      w.healthy &&
      w.models.includes(cycle.request.model) &&
      w.load.waitingRequests < this.maxPrefillWaiting
    );
  }

  /** tokens of prefill work ahead of this prompt's first token if the decode worker prefills it. */
  localCost(cycle: SchedulingCycle, decodeWorkerId: string): number {
    const pending = cycle.need(StateKey.Inflight).totalsFor(decodeWorkerId).pendingPrefillTokens;
    return pending + cycle.uncachedTokens(decodeWorkerId);
  }

  /** tokens of prefill work (and transfer) ahead of this prompt's first token if the prefill worker computes it. */
  remoteCost(cycle: SchedulingCycle, prefill: WorkerSnapshot, decodeWorkerId: string): number {
    const reported = (prefill.load.runningRequests + prefill.load.waitingRequests) * this.thresholdTokens;
    const queued = Math.max(
      cycle.need(StateKey.PrefillBacklog).tokensAt(prefill.id, cycle.context.nowMs, this.cost.prefillTokensPerS),
      reported,
    );
    return queued + cycle.uncachedTokens(prefill.id) + this.cost.transferCostPerToken * cycle.uncachedTokens(decodeWorkerId);
  }

  pickProfiles(
    cycle: SchedulingCycle,
    profiles: ReadonlyMap<string, SchedulingProfile>,
    results: ReadonlyMap<string, ProfileResult>,
  ): readonly string[] {
    const decode = results.get(this.decodeProfile);
    if (!decode) return [this.decodeProfile];
    if (results.has(this.prefillProfile) || !decode.chosen) return [];
    const veto = this.prefillVeto(cycle, decode.chosen.id, profiles.has(this.prefillProfile));
    if (veto === null) return [this.prefillProfile];
    this.vetoes.set(cycle, veto);
    return [];
  }

  processResults(cycle: SchedulingCycle, results: ReadonlyMap<string, ProfileResult>) {
    const decode = results.get(this.decodeProfile)!;
    const split = this.splitToPrefillWorker(cycle, decode, results);
    if (split.prefill !== undefined || this.cacheHolder === undefined || !decode.chosen) return split;
    const held = this.cacheHolder.choose(cycle, decode.chosen);
    if (held.holder === undefined) return { decode, reason: `${split.reason}; ${held.reason}` };
    const h = held.holder.id;
    const explanation = {
      ...withChosen(decode.explanation, h),
      profile: 'cache-holder',
      cachedPrefixBlocks: cycle.cachedBlocks(h),
      uncachedTokens: cycle.uncachedTokens(h),
    };
    return { decode, prefill: { profile: 'cache-holder', chosen: held.holder, explanation }, reason: held.reason };
  }

  /** The dedicated prefill-worker split (steps 1 and 2 above). */
  private splitToPrefillWorker(
    cycle: SchedulingCycle,
    decode: ProfileResult,
    results: ReadonlyMap<string, ProfileResult>,
  ): { decode: ProfileResult; prefill?: ProfileResult; reason: string } {
    const prefill = results.get(this.prefillProfile);
    if (!decode.chosen) return { decode, reason: 'no decode worker' };
    if (!prefill) return { decode, reason: this.vetoes.get(cycle) ?? 'prefill not run' };
    if (!prefill.chosen) return { decode, reason: 'prefill profile left no candidate' };
    const d = decode.chosen.id;
    if (prefill.chosen.id === d) return { decode, reason: 'prefill picked the decode worker itself' };
    const uncached = cycle.uncachedTokens(d);
    if (!this.cost.costAware) return { decode, prefill, reason: `uncached tokens ${uncached} ≥ threshold ${this.thresholdTokens}` };
    const { worker: best, cost: remote } = this.cheapestPrefill(cycle, prefill, d);
    const local = this.localCost(cycle, d);
    const costs = `remote ${Math.round(remote)} vs local ${Math.round(local)} tokens`;
    if (remote > (1 + this.cost.remoteBias) * local) return { decode, reason: `local prefill is cheaper: ${costs}` };
    cycle.need(StateKey.PrefillBacklog).add(best.id, cycle.uncachedTokens(best.id), cycle.context.nowMs, this.cost.prefillTokensPerS);
    const chosen =
      best.id === prefill.chosen.id ? prefill : { ...prefill, chosen: best, explanation: withChosen(prefill.explanation, best.id) };
    return { decode, prefill: chosen, reason: `remote prefill pays: ${costs}` };
  }

  /** The prefill profile's candidate (with room) of least remote cost; the profile's pick on ties. */
  private cheapestPrefill(
    cycle: SchedulingCycle,
    prefill: ProfileResult,
    decodeWorkerId: string,
  ): { worker: WorkerSnapshot; cost: number } {
    let worker = prefill.chosen!;
    let cost = this.remoteCost(cycle, worker, decodeWorkerId);
    const ids = new Set(prefill.explanation.candidates);
    for (const w of cycle.context.workers) {
      if (!ids.has(w.id) || w.id === worker.id || !this.hasRoom(cycle, w, decodeWorkerId)) continue;
      const c = this.remoteCost(cycle, w, decodeWorkerId);
      if (c < cost) [worker, cost] = [w, c];
    }
    return { worker, cost };
  }
}

export const pdProfileHandlerFactory: PluginFactory = {
  type: PD_PROFILE_HANDLER_TYPE,
  kind: PluginKind.ProfileHandler,
  create(name, params) {
    const decodeProfile = params.string('decodeProfile', 'decode');
    const prefillProfile = params.string('prefillProfile', 'prefill');
    // 2048 tokens: below this a local prefill costs less than the KV transfer and the extra hop.
    const thresholdTokens = params.number('thresholdTokens', { default: 2048, min: 0, integer: true });
    const maxPrefillWaiting = params.number('maxPrefillWaiting', { default: 4, min: 1, integer: true });
    const costAware = params.boolean('costAware', DEFAULT_PD_COST.costAware);
    // 25,000 tokens/s: the llama-3-8b-h100 SimEngine profile prefills 8k–20k-token prompts at 25–30k
    // tokens/s on an idle replica (its latency model, 8,192-token chunks; the low end taken).
    const cacheHolderPrefill = params.boolean('cacheHolderPrefill', DEFAULT_PD_COST.cacheHolderPrefill!);
    const holderBias = params.number('holderBias', { default: DEFAULT_PD_COST.holderBias!, min: 0 });
    // 5,000 ms: the health filter's default staleness bound (several missed load reports).
    const holderMaxLoadAgeMs = params.number('holderMaxLoadAgeMs', { default: DEFAULT_PD_COST.holderMaxLoadAgeMs!, min: 0 });
    const prefillTokensPerS = params.number('prefillTokensPerS', {
      default: DEFAULT_PD_COST.prefillTokensPerS,
      min: 0,
      minExclusive: true,
    });
    // 0.07: a token's KV is 128 KiB for Llama-3-8B (32 layers × 8 KV heads × 128 × 2 × 2 B); at the
    // simulator's 50 GB/s per-GPU link that is 2.6 µs, against ~37 µs to prefill it (27k tokens/s).
    const transferCostPerToken = params.number('transferCostPerToken', { default: DEFAULT_PD_COST.transferCostPerToken, min: 0 });
    const remoteBias = params.number('remoteBias', { default: DEFAULT_PD_COST.remoteBias, min: 0 });
    params.done();
    return new PdProfileHandler(name, decodeProfile, prefillProfile, thresholdTokens, maxPrefillWaiting, {
      costAware,
      prefillTokensPerS,
      transferCostPerToken,
      remoteBias,
      cacheHolderPrefill,
      holderBias,
      holderMaxLoadAgeMs,
    });
  },
};
