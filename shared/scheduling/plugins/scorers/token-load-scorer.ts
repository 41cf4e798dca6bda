// llm-d's token-load-scorer (llm-d/llm-d-router pkg/epp/framework/plugins/scheduling/scorer/tokenload/
// token_load.go): fewer prompt tokens in flight scores higher, on an absolute scale:
//   load  = in-flight uncached prompt tokens(w) + this request's uncached tokens on w
//   score = 1 − min(load, queueThresholdTokens) / queueThresholdTokens
// queueThresholdTokens default 4,194,304 ("128 requests @ 32K per request"). In-flight tokens are
// llm-d's inflight-load-producer (InflightLedger.pendingPrefillTokens: released at the first token).
// Reads: InflightLedger, cached prefix blocks.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type Scorer } from '../../framework.js';
import type { WorkerSnapshot } from '../../types.js';

export const TOKEN_LOAD_SCORER_TYPE = 'token-load-scorer';

export class TokenLoadScorer implements Scorer {
  readonly type = TOKEN_LOAD_SCORER_TYPE;
  readonly kind = PluginKind.Scorer;
  readonly consumes: readonly StateKey[] = [StateKey.Inflight];
  constructor(
    readonly name: string,
    /** tokens at which the score reaches 0. */
    readonly queueThresholdTokens: number,
  ) {}

  score(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): Float64Array {
    const out = new Float64Array(workers.length);
    const ledger = cycle.need(StateKey.Inflight);
    for (let i = 0; i < workers.length; i++) {
      const w = workers[i]!;
      const load = ledger.totalsFor(w.id).pendingPrefillTokens + cycle.uncachedTokens(w.id);
      out[i] = load <= 0 ? 1 : 1 - Math.min(load, this.queueThresholdTokens) / this.queueThresholdTokens;
    }
    return out;
  }
}

export const tokenLoadScorerFactory: PluginFactory = {
  type: TOKEN_LOAD_SCORER_TYPE,
  kind: PluginKind.Scorer,
  create(name, params) {
    const queueThresholdTokens = params.number('queueThresholdTokens', { default: 4_194_304, min: 0, minExclusive: true });
    params.done();
    return new TokenLoadScorer(name, queueThresholdTokens);
  },
};
