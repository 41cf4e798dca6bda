// A live view of the fleet (the scheduler's, and the ingress's model list): who is registered (JetStream KV registry, watched), and how
// loaded each worker is (load reports). A worker whose heartbeat is older than the registry TTL is
// dropped even before the bucket ages its entry out, so a dead worker stops getting traffic promptly.
import type { KV } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { EngineLoad } from '../engine/types.js';
import { decodeMessage, eventSubjects, type LoadReportV1, type WorkerRegistrationV1 } from '../protocol/index.js';

export interface WorkerView {
  readonly registration: WorkerRegistrationV1;
  /** Local ms (Date.now) when the last heartbeat arrived. */
  heartbeatSeenAtMs: number;
  load: EngineLoad | undefined;
  /** Requests the worker says it holds, as of its last load report. */
  activeRequests: number;
  /** Local ms when the last load report arrived. */
  loadSeenAtMs: number;
}

export class WorkerDirectory {
  private readonly workers = new Map<string, WorkerView>();
  /** Load reports that arrived before the registry entry did (a worker reports as it registers). */
  private readonly earlyLoad = new Map<string, { report: LoadReportV1; seenAtMs: number }>();
  private loadSub: Subscription | undefined;
  private stopWatch: (() => void) | undefined;
  /** Called when a worker leaves (deleted, expired or stale), e.g. to drop its cache index entries. */
  onWorkerGone: (workerId: string) => void = () => undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly registry: KV,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  /** `withLoad`: also follow load reports (the scheduler does; the ingress only needs who serves what). */
  async start(withLoad = true): Promise<void> {
    const watch = await this.registry.watch();
    this.stopWatch = () => watch.stop();
    void (async () => {
      for await (const entry of watch) {
        if (entry.operation !== 'PUT') {
          this.remove(entry.key, 'deregistered');
          continue;
        }
        try {
          const registration = decodeMessage(entry.value, 'worker.registration.v1');
          const known = this.workers.get(registration.workerId);
          if (known && known.registration.startedAtMs === registration.startedAtMs) {
            known.heartbeatSeenAtMs = Date.now();
          } else {
            if (known) this.remove(registration.workerId, 'restarted');
            const view: WorkerView = { registration, heartbeatSeenAtMs: Date.now(), load: undefined, activeRequests: 0, loadSeenAtMs: 0 };
            this.workers.set(registration.workerId, view);
            const early = this.earlyLoad.get(registration.workerId);
            this.earlyLoad.delete(registration.workerId);
            if (early) this.applyLoad(early.report, early.seenAtMs);
            this.logger.info({ workerId: registration.workerId, role: registration.role, models: registration.models }, 'worker joined');
          }
        } catch (err) {
          this.logger.warn({ key: entry.key, err: String(err) }, 'dropped malformed registry entry');
        }
      }
    })().catch((err: unknown) => this.logger.error({ err: String(err) }, 'registry watch ended'));
    if (!withLoad) return;
    this.loadSub = this.nc.subscribe(eventSubjects.loadAll, {
      callback: (_err, msg) => {
        try {
          this.applyLoad(decodeMessage(msg.data, 'load.report.v1'));
        } catch (err) {
          this.logger.warn({ subject: msg.subject, err: String(err) }, 'dropped malformed load report');
        }
      },
    });
  }

  private applyLoad(report: LoadReportV1, seenAtMs = Date.now()): void {
    const view = this.workers.get(report.workerId);
    if (!view) {
      // Bounded: only the latest report per id, and ids of workers that never register are few.
      if (this.earlyLoad.size < 1024) this.earlyLoad.set(report.workerId, { report, seenAtMs });
      return;
    }
    view.load = report.load;
    view.activeRequests = report.activeRequests;
    view.loadSeenAtMs = seenAtMs;
  }

  private remove(workerId: string, why: string): void {
    if (!this.workers.delete(workerId)) return;
    this.logger.info({ workerId, why }, 'worker left');
    this.onWorkerGone(workerId);
  }

  /** Live workers; drops those whose heartbeat is older than the TTL. */
  live(nowMs = Date.now()): WorkerView[] {
    for (const [id, view] of this.workers) {
      if (nowMs - view.heartbeatSeenAtMs > this.ttlMs) this.remove(id, 'heartbeat expired');
    }
    return [...this.workers.values()];
  }

  stop(): void {
    this.stopWatch?.();
    void this.loadSub?.drain();
  }
}
