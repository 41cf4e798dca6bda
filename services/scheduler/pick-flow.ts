// Flow control in front of the pick server: a pick waits in this replica's FlowController while the fleet
// is saturated (by priority and tenant), and is answered when capacity frees or rejected with 429 and a
// Retry-After (503 when no worker serves the model). Replicas do not share a queue: each admits against
// the same reported worker load plus its own in-flight ledger (see README, "Flow control").
import { RealClock, type Clock } from '../../shared/clock/index.js';
import type { WorkerDirectory } from '../../shared/fleet/index.js';
import { AtcError, ErrorCode, OverloadedError, ProtocolError, type PickRequestV1 } from '../../shared/protocol/index.js';
import type { Scheduler, WorkerSnapshot } from '../../shared/scheduling/index.js';
import {
  FlowController,
  InvalidPriorityError,
  RejectReason,
  SloCapacity,
  type FlowControlOptions,
  type SloCapacityOptions,
} from '../../shared/scheduling/flow-control/index.js';
import { AtcAttr, type FlowControlMetrics, type Span } from '../../shared/telemetry/index.js';

interface PendingPick {
  readonly span: Span | undefined;
  readonly admit: (waitedMs: number) => void;
  readonly reject: (err: AtcError) => void;
}

export interface PickFlowOptions extends FlowControlOptions, SloCapacityOptions {}

export class PickFlow {
  private readonly controller: FlowController<PendingPick>;

  constructor(
    scheduler: Scheduler,
    directory: WorkerDirectory,
    snapshotOf: (w: ReturnType<WorkerDirectory['live']>[number]) => WorkerSnapshot,
    private readonly metrics: FlowControlMetrics,
    options: PickFlowOptions = {},
    clock: Clock = new RealClock(),
  ) {
    const { prefillTokensPerS, engineShare, maxKvUsage, ...flow } = options;
    const slo = {
      ...(prefillTokensPerS !== undefined ? { prefillTokensPerS } : {}),
      ...(engineShare !== undefined ? { engineShare } : {}),
      ...(maxKvUsage !== undefined ? { maxKvUsage } : {}),
    };
    this.controller = new FlowController<PendingPick>(
      new SloCapacity(slo),
      clock,
      // Date.now(), not the clock: load-report times in the directory are wall-clock ms.
      () => ({ workers: directory.live().map(snapshotOf), state: scheduler.state }),
      {
        admit: (r, waitedMs) => {
          this.metrics.queueWait.observe({ priority: r.flow.priority, tenant: r.flow.tenant }, waitedMs / 1000);
          r.payload.span?.setAttributes({ [AtcAttr.QueueWaitMs]: waitedMs });
          r.payload.admit(waitedMs);
        },
        reject: (r, rejection, waitedMs) => {
          this.metrics.rejections.inc({ priority: r.flow.priority, reason: rejection.reason });
          r.payload.span?.setAttributes({ [AtcAttr.QueueWaitMs]: waitedMs, [AtcAttr.RejectReason]: rejection.reason });
          r.payload.reject(
            rejection.reason === RejectReason.NoWorker
              ? new AtcError(ErrorCode.NoWorker, `no decode worker available for model ${JSON.stringify(r.model)}`)
              : rejection.status === 503
                ? new AtcError(ErrorCode.SchedulerUnavailable, rejection.message, true)
                : new OverloadedError(`the fleet is saturated: ${rejection.message}`, rejection.retryAfterMs),
          );
        },
      },
      { ...flow, ...(engineShare !== undefined ? { engineShare } : {}) },
    );
  }

  /** Queued requests by priority and tenant (the queue gauge). */
  queuedByFlow() {
    return this.controller.queuedByFlow();
  }

  /**
   * Admits the pick now or when capacity frees (admit), or turns it away (reject with an AtcError). A bad
   * x-atc-priority is rejected as a bad message (400 at the ingress).
   */
  submit(
    request: PickRequestV1,
    promptTokens: number,
    span: Span | undefined,
    admit: (waitedMs: number) => void,
    reject: (err: AtcError) => void,
  ): void {
    try {
      this.controller.submit({
        id: request.requestId,
        model: request.model,
        headers: request.headers,
        promptTokens,
        maxTokens: request.maxTokens,
        maxQueueMs: request.maxQueueMs ?? 0,
        payload: { span, admit, reject },
      });
    } catch (err) {
      if (err instanceof InvalidPriorityError) return reject(new ProtocolError(err.message));
      throw err;
    }
  }

  /** The request finished: its tenant's fairness counter learns its real output, and capacity may have freed. */
  completed(requestId: string, outputTokens: number): void {
    this.controller.completed(requestId, outputTokens);
    this.controller.pump();
  }

  /** Capacity may have freed (a first token, a load report). */
  pump(): void {
    this.controller.pump();
  }

  close(): void {
    this.controller.close();
  }
}
