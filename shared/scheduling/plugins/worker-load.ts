// Load estimates several plugins share.
import type { SchedulingCycle } from '../cycle.js';
import { StateKey } from '../framework.js';
import type { WorkerSnapshot } from '../types.js';

/**
 * requests on the worker: the larger of its last report (running + waiting) and what this scheduler
 * assigned and has not seen finish. The report lags; the ledger misses other replicas' traffic.
 */
export function requestLoad(cycle: SchedulingCycle, w: WorkerSnapshot): number {
  const reported = w.load.runningRequests + w.load.waitingRequests;
  const assigned = cycle.need(StateKey.Inflight).totalsFor(w.id).requests;
  return Math.max(reported, assigned);
}

/** Min-max normalisation of "lower is better" values to scores in [0,1]; all equal -> 1 each. */
export function lowerIsBetter(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    min = Math.min(min, values[i]!);
    max = Math.max(max, values[i]!);
  }
  for (let i = 0; i < n; i++) out[i] = max === min ? 1 : (max - values[i]!) / (max - min);
  return out;
}
