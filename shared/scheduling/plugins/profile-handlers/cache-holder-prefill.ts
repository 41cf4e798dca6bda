// Cache-holder prefill on aggregated fleets (issue 13): every engine runs with kv_role kv_both, so any of
// them can prefill for a peer. When the decode profile chose a worker D that lacks the prompt's prefix and
// another `both` worker H (the cache holder) has it, H may compute only the uncached suffix with
// do_remote_decode and D pull the prompt's KV blocks with do_remote_prefill, through the same handoff
// path as a dedicated prefill worker (services/worker/prefill-client.ts). The decode profile already
// weighed affinity against load: D ≠ H means the load scorers prefer D for decoding (H's batch is full,
// its queue long). What is left to decide is where the prompt is cheaper to PREFILL, in tokens of
// prefill work ahead of this prompt's first token:
//   local  = D's pending prefill tokens (InflightLedger) + the prompt's uncached tokens on D
//   holder = H's pending prefill tokens (InflightLedger) + the holder prefills this scheduler sent H and
//            that are not done (PrefillBacklog, drained at prefillTokensPerS) + the prompt's uncached
//            tokens on H + transferCostPerToken × the tokens D pulls (its uncached tokens: D pulls every
//            full block it lacks; KV transfer time in prefill-token equivalents)
// A holder must save at least thresholdTokens of recompute (uncached on D − uncached on H): below that
// the extra hop and request cost more than recomputing. Among the holders the one of least cost is taken
// (ties: the longest cached prefix, then fleet order); split when holder ≤ (1 + holderBias) × local.
// Reads: cached prefix blocks, InflightLedger, PrefillBacklog, WorkerSnapshot role/models/health/load age.
// Keeps: the PrefillBacklog of the holder prefills it sends.
import type { SchedulingCycle } from '../../cycle.js';
import { StateKey } from '../../framework.js';
import { WorkerRole, type WorkerSnapshot } from '../../types.js';

export interface CacheHolderOptions {
  /** tokens; a holder must save at least this much recompute on the decode worker. */
  readonly thresholdTokens: number;
  /** tokens/s one engine prefills (drains the PrefillBacklog estimate). */
  readonly prefillTokensPerS: number;
  /** Prefill-token equivalents per KV token the decode worker pulls. */
  readonly transferCostPerToken: number;
  /** Split when holder ≤ (1 + holderBias) × local. */
  readonly holderBias: number;
  /** ms; a holder whose last load report is older may be gone (its peer's pull would fail). */
  readonly maxLoadAgeMs: number;
}

export type CacheHolderChoice =
  { readonly holder: WorkerSnapshot; readonly reason: string } | { readonly holder?: undefined; readonly reason: string };

export class CacheHolderPrefill {
  constructor(readonly options: CacheHolderOptions) {}

  /** tokens of prefill work ahead of this prompt's first token if the decode worker computes it. */
  localCost(cycle: SchedulingCycle, decodeWorkerId: string): number {
    return cycle.need(StateKey.Inflight).totalsFor(decodeWorkerId).pendingPrefillTokens + cycle.uncachedTokens(decodeWorkerId);
  }

  /** tokens of prefill work (and transfer) ahead of this prompt's first token if the holder computes the suffix. */
  holderCost(cycle: SchedulingCycle, holder: WorkerSnapshot, decodeWorkerId: string): number {
    const { prefillTokensPerS, transferCostPerToken } = this.options;
    const pending = cycle.need(StateKey.Inflight).totalsFor(holder.id).pendingPrefillTokens;
    const sent = cycle.need(StateKey.PrefillBacklog).tokensAt(holder.id, cycle.context.nowMs, prefillTokensPerS);
    return pending + sent + cycle.uncachedTokens(holder.id) + transferCostPerToken * cycle.uncachedTokens(decodeWorkerId);
  }

  /** A worker that can prefill this prompt for a peer: kv_both, healthy and reporting, serving the model. */
  private canPrefillFor(cycle: SchedulingCycle, w: WorkerSnapshot, decodeWorkerId: string): boolean {
    return (
      w.id !== decodeWorkerId &&
      w.role === WorkerRole.Both &&
      w.healthy &&
      cycle.context.nowMs - w.loadReportedAtMs <= this.options.maxLoadAgeMs &&
      w.models.includes(cycle.request.model)
    );
  }

  /** The holder to prefill on, or why the decode worker prefills the prompt itself. */
  choose(cycle: SchedulingCycle, decode: WorkerSnapshot): CacheHolderChoice {
    const { thresholdTokens, holderBias } = this.options;
    const uncachedHere = cycle.uncachedTokens(decode.id);
    if (uncachedHere < thresholdTokens)
      return { reason: `no cache-holder prefill: uncached tokens ${uncachedHere} < threshold ${thresholdTokens}` };
    let best: WorkerSnapshot | undefined;
    let bestCost = Infinity;
    for (const w of cycle.context.workers) {
      if (!this.canPrefillFor(cycle, w, decode.id) || uncachedHere - cycle.uncachedTokens(w.id) < thresholdTokens) continue;
      const cost = this.holderCost(cycle, w, decode.id);
      if (cost < bestCost || (cost === bestCost && best !== undefined && cycle.cachedBlocks(w.id) > cycle.cachedBlocks(best.id)))
        [best, bestCost] = [w, cost];
    }
    if (best === undefined) return { reason: `no cache holder saves ≥ ${thresholdTokens} tokens of the ${uncachedHere} uncached here` };
    const local = this.localCost(cycle, decode.id);
    const costs = `holder ${best.id} ${Math.round(bestCost)} vs local ${Math.round(local)} tokens`;
    if (bestCost > (1 + holderBias) * local) return { reason: `recompute is cheaper than cache-holder prefill: ${costs}` };
    cycle.need(StateKey.PrefillBacklog).add(best.id, cycle.uncachedTokens(best.id), cycle.context.nowMs, this.options.prefillTokensPerS);
    return { holder: best, reason: `cache-holder prefill pays: ${costs}` };
  }
}
