// TEMPORARY picker until the plugin pipeline (shared/scheduling) is wired: least-loaded decode worker,
// round-robin among ties, counting requests assigned since the worker's last load report so a burst
// between two reports spreads out.
import type { WorkerView } from '../../shared/fleet/index.js';

export class LeastLoadedPicker {
  private rr = 0;
  /** workerId -> requests assigned since its last load report (local ms of that report). */
  private readonly assigned = new Map<string, { count: number; sinceLoadMs: number }>();

  pick(candidates: readonly WorkerView[]): WorkerView | undefined {
    if (candidates.length === 0) return undefined;
    let best: WorkerView[] = [];
    let bestLoad = Infinity;
    for (const w of candidates) {
      const a = this.assigned.get(w.registration.workerId);
      const recent = a && a.sinceLoadMs === w.loadSeenAtMs ? a.count : 0;
      const load = w.activeRequests + (w.load?.waitingRequests ?? 0) + recent;
      if (load < bestLoad) { bestLoad = load; best = [w]; } else if (load === bestLoad) best.push(w);
    }
    const chosen = best[this.rr++ % best.length]!;
    const id = chosen.registration.workerId;
    const a = this.assigned.get(id);
    if (a && a.sinceLoadMs === chosen.loadSeenAtMs) a.count++;
    else this.assigned.set(id, { count: 1, sinceLoadMs: chosen.loadSeenAtMs });
    return chosen;
  }
}
