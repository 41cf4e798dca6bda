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
// Reads: the decode and prefill results, cached prefix blocks, InflightLedger, WorkerSnapshot
// role/models/health/load. Keeps (costAware): the PrefillBacklog of its splits, in the scheduling state.
import { withChosen } from '../../lazy-explanation.js';
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
}

export const DEFAULT_PD_COST: PdCostOptions = { costAware: false, prefillTokensPerS: 25_000, transferCostPerToken: 0.07, remoteBias: 0 };

export class PdProfileHandler implements ProfileHandler {
  readonly type = PD_PROFILE_HANDLER_TYPE;
  readonly kind = PluginKind.ProfileHandler;
  readonly consumes: readonly StateKey[];
  /** The veto of each cycle, for processResults' explanation. */
  private readonly vetoes = new WeakMap<SchedulingCycle, string>();
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
    this.consumes = cost.costAware ? [StateKey.Inflight, StateKey.PrefillBacklog] : [];
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
    });
  },
};
