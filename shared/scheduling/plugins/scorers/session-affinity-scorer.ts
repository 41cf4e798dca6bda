// 1 for the worker a session is stuck to, 0 for the others: the x-atc-worker header when the ingress pins
// the session, else the SessionTable entry for x-session-id. Reads: request headers, SessionTable.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, StateKey, type Scorer } from '../../framework.js';
import { SchedulingHeader, type WorkerSnapshot } from '../../types.js';

export const SESSION_AFFINITY_SCORER_TYPE = 'session-affinity-scorer';

export class SessionAffinityScorer implements Scorer {
  readonly type = SESSION_AFFINITY_SCORER_TYPE;
  readonly kind = PluginKind.Scorer;
  readonly consumes: readonly StateKey[] = [StateKey.Sessions];
  constructor(readonly name: string) {}

  score(cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): number[] {
    const headers = cycle.request.headers;
    const session = headers[SchedulingHeader.SessionId];
    const sticky =
      headers[SchedulingHeader.StickyWorker] ?? (session !== undefined ? cycle.need(StateKey.Sessions).workerOf(session) : undefined);
    return workers.map((w) => (w.id === sticky ? 1 : 0));
  }
}

export const sessionAffinityScorerFactory: PluginFactory = {
  type: SESSION_AFFINITY_SCORER_TYPE,
  kind: PluginKind.Scorer,
  create(name, params) {
    params.done();
    return new SessionAffinityScorer(name);
  },
};
