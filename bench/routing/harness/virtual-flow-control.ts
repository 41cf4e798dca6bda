// Flow control in a virtual-time run: the scheduler's FlowController on the virtual clock, reading the
// fleet's reported snapshots and the router's in-flight ledger, as the live scheduler's does. Plain data
// in (VirtualFlowControl), so a run's options still cross to a worker thread.
import type { VirtualClock } from '../../../shared/clock/index.js';
import type { SchedulingRequest } from '../../../shared/scheduling/index.js';
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
  /** Called at each dispatch with the tenants that still have queued work in the request's band (fairness figures). */
  readonly onDispatch?: (request: QueuedRequest<unknown>, waitedMs: number, backlogged: readonly string[]) => void;
}

interface Pending {
  readonly admit: () => void;
  readonly reject: (reason: string) => void;
}

export interface VirtualFlow {
  submit(req: PlannedRequest, sreq: SchedulingRequest, admit: () => void, reject: (reason: string) => void): void;
  pump(): void;
  completed(requestId: string, outputTokens: number): void;
  close(): void;
}

export function virtualFlowControl(
  spec: VirtualFlowControl,
  router: SchedulerRouter,
  fleet: VirtualFleet,
  clock: VirtualClock,
): VirtualFlow {
  const capacity: FleetCapacity = spec.capacity === 'slo' ? new SloCapacity(spec.slo) : new UtilizationCapacity(spec.utilization);
  const controller: FlowController<Pending> = new FlowController<Pending>(
    capacity,
    clock,
    () => ({ workers: fleet.snapshots, state: router.scheduler.state }),
    {
      admit: (r, waitedMs) => {
        spec.onDispatch?.(r, waitedMs, controller.backloggedTenants(r.band));
        r.payload.admit();
      },
      reject: (r, rejection) => r.payload.reject(`${rejection.reason} (${rejection.status})`),
    },
    spec.options,
  );
  return {
    submit: (req, sreq, admit, reject) =>
      controller.submit({
        id: req.id,
        model: sreq.model,
        headers: sreq.headers,
        promptTokens: sreq.tokenIds.length,
        maxTokens: sreq.maxTokens,
        payload: { admit, reject },
      }),
    pump: () => controller.pump(),
    completed: (id, outputTokens) => controller.completed(id, outputTokens),
    close: () => controller.close(),
  };
}
