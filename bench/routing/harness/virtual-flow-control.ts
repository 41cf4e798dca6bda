// Flow control in a virtual-time run: the scheduler's FlowController on the virtual clock, reading the
// fleet's reported snapshots and the router's in-flight ledger, as the live scheduler's does. Plain data
// in (VirtualFlowControl, but for the onDispatch observer), so a run's options can cross to a worker thread.
import type { VirtualClock } from '../../../shared/clock/index.js';
import { InflightLedger, type SchedulingRequest } from '../../../shared/scheduling/index.js';
import {
  FlowController,
  SloCapacity,
  UtilizationCapacity,
  type FleetCapacity,
  type FlowControlOptions,
  type QueuedRequest,
  type SloCapacityOptions,
  type UtilizationCapacityOptions,
} from '../../../shared/scheduling/flow-control/index.js';
import type { SchedulerRouter } from './run-router.js';
import type { VirtualFleet } from './virtual-fleet.js';
import type { PlannedRequest } from './workload.js';

export interface VirtualFlowControl {
  /** slo: atc's SLO-aware admission; utilization: llm-d's default saturation detector. */
  readonly capacity: 'slo' | 'utilization';
  readonly slo?: SloCapacityOptions;
  readonly utilization?: UtilizationCapacityOptions;
  readonly options?: FlowControlOptions;
  /**
   * Scheduler replicas (default 1), each with its own queue and its own in-flight ledger, requests handed
   * to them in turn (a NATS queue group spreads picks over its members): what admission overshoots by
   * when no replica sees the others' dispatches until the workers report them. Routing stays one shared
   * scheduler, so only admission differs.
   */
  readonly replicas?: number;
  /**
   * Replicas share one in-flight ledger (each hears the others' assignments at once, as they would over an
   * assignment event); default false: each its own.
   */
  readonly sharedLedger?: boolean;
  /** Called at each dispatch with the tenants that still have queued work in the request's band (fairness figures). */
  readonly onDispatch?: (request: QueuedRequest<unknown>, waitedMs: number, backlogged: readonly string[]) => void;
}

interface Pending {
  readonly admit: () => void;
  readonly reject: (reason: string) => void;
}

export interface VirtualFlow {
  submit(req: PlannedRequest, sreq: SchedulingRequest, admit: () => void, reject: (reason: string) => void): void;
  /** The request's first token: its prefill no longer weighs on its worker; capacity may have freed. */
  firstToken(requestId: string): void;
  completed(requestId: string, outputTokens: number): void;
  close(): void;
}

export function virtualFlowControl(
  spec: VirtualFlowControl,
  router: SchedulerRouter,
  fleet: VirtualFleet,
  clock: VirtualClock,
): VirtualFlow {
  const n = spec.replicas ?? 1;
  const shared = router.scheduler.state;
  // One replica reads the router's own ledger; several keep one each, filled with their own dispatches.
  const own = n > 1 && spec.sharedLedger !== true;
  const ledgers = !own ? Array.from({ length: n }, () => shared.inflight) : Array.from({ length: n }, () => new InflightLedger());
  const controllers = ledgers.map((inflight) => {
    const capacity: FleetCapacity = spec.capacity === 'slo' ? new SloCapacity(spec.slo) : new UtilizationCapacity(spec.utilization);
    const state = !own ? shared : { blockSize: shared.blockSize, inflight };
    const controller: FlowController<Pending> = new FlowController<Pending>(
      capacity,
      clock,
      () => ({ workers: fleet.snapshots, state }),
      {
        admit: (r, waitedMs) => {
          spec.onDispatch?.(r, waitedMs, controller.backloggedTenants(r.band));
          if (!own) return r.payload.admit();
          // The shared scheduler decides; this replica's ledger records what it dispatched, and where.
          const before = new Map(fleet.snapshots.map((w) => [w.id, shared.inflight.totalsFor(w.id).pendingPrefillTokens]));
          r.payload.admit();
          const workerId = shared.inflight.workerOf(r.id);
          if (workerId === undefined) return;
          const uncached = shared.inflight.totalsFor(workerId).pendingPrefillTokens - (before.get(workerId) ?? 0);
          inflight.assign(workerId, r.id, r.inputTokens, r.outputTokens, clock.now(), uncached);
        },
        reject: (r, rejection) => r.payload.reject(`${rejection.reason} (${rejection.status})`),
      },
      spec.options,
    );
    return controller;
  });
  let next = 0;
  return {
    submit: (req, sreq, admit, reject) =>
      controllers[next++ % n]!.submit({
        id: req.id,
        model: sreq.model,
        headers: sreq.headers,
        promptTokens: sreq.tokenIds.length,
        maxTokens: sreq.maxTokens,
        payload: { admit, reject },
      }),
    firstToken: (id) => {
      if (own) for (const l of ledgers) l.markPrefilled(id);
      for (const c of controllers) c.pump();
    },
    completed: (id, outputTokens) => {
      controllers.forEach((c, k) => {
        if (own) ledgers[k]!.finish(id);
        c.completed(id, outputTokens);
        c.pump();
      });
    },
    close: () => {
      for (const c of controllers) c.close();
    },
  };
}
