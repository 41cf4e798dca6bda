// Who decides where a virtual-time request runs: the scheduling core with a policy's config (what the
// live scheduler runs), or the `ideal` reference. runVirtual talks to either through this contract.
import { type Scheduler, type SchedulingRequest } from '../../../shared/scheduling/index.js';
import type { VirtualFleet } from './virtual-fleet.js';

export interface RoutedRequest {
  readonly decodeId: string;
  /** Set when the prompt is prefilled on another worker first (P/D). */
  readonly prefillId?: string;
}

/** What the router learns when a request ends. */
export interface RequestEnd {
  readonly failed: boolean;
  /** Prompt tokens the decode worker computed itself. */
  readonly uncachedTokens: number;
  /** ms from dispatch (arrival + scheduling latency) to first token. */
  readonly ttftFromDispatchMs: number;
  /** mean ms per output token after the first; absent with fewer than 2 tokens. */
  readonly tpotMs?: number;
}

export interface RunRouter {
  /** Throws when no worker can serve the request (the run records it as failed). */
  decide(request: SchedulingRequest, nowMs: number): RoutedRequest;
  /** The request's first token reached the client. */
  firstToken(requestId: string, nowMs: number): void;
  /** The request ended; its completion record reached the router. */
  finished(requestId: string, end: RequestEnd): void;
}

/** The scheduling core as the live scheduler runs it, fed from the fleet's reported snapshots. */
export class SchedulerRouter implements RunRouter {
  /** Per request: the decode worker's load at dispatch, for the latency model's observation. */
  private readonly dispatchLoad = new Map<string, { workerId: string; waiting: number; running: number; inflight: number }>();

  constructor(
    readonly scheduler: Scheduler,
    private readonly fleet: VirtualFleet,
  ) {}

  decide(request: SchedulingRequest, nowMs: number): RoutedRequest {
    const snapshots = this.fleet.snapshots;
    const inflightBefore = new Map(snapshots.map((w) => [w.id, this.scheduler.state.inflight.totalsFor(w.id).promptTokens]));
    const decision = this.scheduler.decide(request, snapshots, nowMs);
    const decodeId = decision.decode.workerId;
    const snap = snapshots.find((w) => w.id === decodeId)!;
    this.dispatchLoad.set(request.requestId, {
      workerId: decodeId,
      waiting: snap.load.waitingRequests,
      running: snap.load.runningRequests,
      inflight: inflightBefore.get(decodeId) ?? 0,
    });
    return decision.prefill !== undefined ? { decodeId, prefillId: decision.prefill.workerId } : { decodeId };
  }

  firstToken(requestId: string, nowMs: number): void {
    this.scheduler.markPrefilled(requestId, nowMs);
  }

  finished(requestId: string, end: RequestEnd): void {
    this.scheduler.finish(requestId);
    const load = this.dispatchLoad.get(requestId);
    this.dispatchLoad.delete(requestId);
    if (end.failed || load === undefined) return;
    this.scheduler.state.latency.observe({
      workerId: load.workerId,
      uncachedTokens: end.uncachedTokens,
      waitingRequests: load.waiting,
      runningRequests: load.running,
      inflightPromptTokens: load.inflight,
      ttftMs: end.ttftFromDispatchMs,
      ...(end.tpotMs !== undefined ? { tpotMs: end.tpotMs } : {}),
    });
  }
}
