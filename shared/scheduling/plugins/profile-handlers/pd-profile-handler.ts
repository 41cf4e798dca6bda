// Runs the decode profile always, and the prefill profile only when splitting prefill off pays: the
// prompt's uncached tokens on the chosen decode worker reach `thresholdTokens`, and some prefill-role
// worker (other than the decode worker) serving the model is healthy and has room (waiting requests below
// `maxPrefillWaiting`). After llm-d's pd-profile-handler, whose threshold is also in uncached tokens.
// Reads: the decode result, cached prefix blocks, WorkerSnapshot role/models/health/load.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, type ProfileHandler, type ProfileResult, type SchedulingProfile } from '../../framework.js';
import { WorkerRole } from '../../types.js';

export const PD_PROFILE_HANDLER_TYPE = 'pd-profile-handler';

export class PdProfileHandler implements ProfileHandler {
  readonly type = PD_PROFILE_HANDLER_TYPE;
  readonly kind = PluginKind.ProfileHandler;
  /** The veto of each cycle, for processResults' explanation. */
  private readonly vetoes = new WeakMap<SchedulingCycle, string>();
  constructor(
    readonly name: string,
    readonly decodeProfile: string,
    readonly prefillProfile: string,
    /** tokens; uncached prompt tokens on the decode worker at or above which prefill is split off. */
    readonly thresholdTokens: number,
    /** A prefill worker has room while its waiting requests are below this. */
    readonly maxPrefillWaiting: number,
  ) {}

  /** Why prefill should (null) or should not (a reason) run apart, given the chosen decode worker. */
  private prefillVeto(cycle: SchedulingCycle, decodeWorkerId: string, hasPrefillProfile: boolean): string | null {
    if (!hasPrefillProfile) return 'no prefill profile configured';
    const uncached = cycle.uncachedTokens(decodeWorkerId);
    if (uncached < this.thresholdTokens) return `uncached tokens ${uncached} < threshold ${this.thresholdTokens}`;
    const model = cycle.request.model;
    const room = cycle.context.workers.some(
      (w) =>
        w.role === WorkerRole.Prefill &&
        w.id !== decodeWorkerId &&
        w.healthy &&
        w.models.includes(model) &&
        w.load.waitingRequests < this.maxPrefillWaiting,
    );
    return room ? null : `uncached tokens ${uncached} ≥ threshold but no prefill worker has room`;
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
    if (prefill.chosen.id === decode.chosen.id) return { decode, reason: 'prefill picked the decode worker itself' };
    return { decode, prefill, reason: `uncached tokens ${cycle.uncachedTokens(decode.chosen.id)} ≥ threshold ${this.thresholdTokens}` };
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
    params.done();
    return new PdProfileHandler(name, decodeProfile, prefillProfile, thresholdTokens, maxPrefillWaiting);
  },
};
