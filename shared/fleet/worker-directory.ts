// A live view of the fleet (the scheduler's, and the ingress's model list): who is registered (JetStream KV registry, watched), and how
// loaded each worker is (load reports). A worker whose heartbeat and load report are both older than the
// registry TTL is dropped even before the bucket ages its entry out, so a dead worker stops getting
// traffic promptly.
// The watch restarts when it ends or the connection comes back (perhaps to a server with an empty
// store, where the bucket is recreated), and `unavailableReason` says while the registry cannot be read.
import type { KvBucket } from '../nats/kv-bucket.js';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { EngineLoad } from '../engine/types.js';
import { decodeMessage, eventSubjects, type LoadReportV1, type WorkerRegistrationV1 } from '../protocol/index.js';

/** Ids whose load reports are held while their registry entry is awaited. */
const EARLY_LOAD_MAX = 256;

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
  private stopped = false;
  /** Why the registry cannot be read right now (undefined while its watch runs). */
  private watchProblem: string | undefined = 'registry not watched yet';
  /** Called when a worker leaves (deleted, expired or stale), e.g. to drop its cache index entries. */
  onWorkerGone: (workerId: string) => void = () => undefined;
  /** Called for a load report of a worker that is not registered (dropped, beyond the early-report grace). */
  onUnregisteredLoad: (workerId: string) => void = () => undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly registry: KvBucket,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  /** `withLoad`: also follow load reports (the scheduler for scores; both to keep a worker live while JetStream stalls). */
  async start(withLoad = true): Promise<void> {
    await this.watch();
    this.registry.onRecreated = () => this.rewatch('registry bucket recreated');
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === 'disconnect') this.watchProblem = 'NATS disconnected';
        if (status.type === 'reconnect') this.rewatch('NATS reconnected');
      }
    })().catch(() => undefined);
    if (withLoad) this.followLoad();
  }

  /** Why this view cannot be trusted right now: NATS or the registry (JetStream) unreachable; undefined when fine. */
  get unavailableReason(): string | undefined {
    if (this.nc.isClosed()) return 'NATS connection closed';
    return this.watchProblem;
  }

  /** Whether a worker is registered and live now. */
  isRegistered(workerId: string): boolean {
    return this.workers.has(workerId);
  }

  /** host:port of the worker's direct connection, when it registered one (`--direct-listen`). */
  directAddress(workerId: string): string | undefined {
    return this.workers.get(workerId)?.registration.directAddress;
  }

  /** The engine's KV capacity in blocks, from the worker's latest load report; undefined when unknown. */
  capacityBlocks(workerId: string): number | undefined {
    const blocks = this.workers.get(workerId)?.load?.numGpuBlocks;
    return blocks !== undefined && blocks > 0 ? blocks : undefined;
  }

  private rewatch(why: string): void {
    if (this.stopped) return;
    this.stopWatch?.();
    this.stopWatch = undefined;
    void this.watchWithRetry(why);
  }

  private watching: Promise<void> | undefined;
  /** Restarts the watch until it runs (the bucket may need recreating on a fresh server). */
  private watchWithRetry(why: string): Promise<void> {
    this.watching ??= (async () => {
      for (let attempt = 0; !this.stopped && !this.nc.isClosed(); attempt++) {
        try {
          if (attempt > 0) await this.registry.ensure();
          await this.watch();
          this.logger.info({ why, attempt }, 'registry watch restarted');
          return;
        } catch (err) {
          this.watchProblem = `JetStream registry unavailable: ${String(err)}`;
          if (attempt === 0) this.logger.warn({ why, err: String(err) }, 'registry watch could not restart; retrying');
          await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
        }
      }
    })().finally(() => {
      this.watching = undefined;
    });
    return this.watching;
  }

  private async watch(): Promise<void> {
    const watch = await this.registry.kv.watch();
    let stoppedHere = false;
    this.stopWatch = () => {
      stoppedHere = true;
      watch.stop();
    };
    this.watchProblem = undefined;
    void (async () => {
      for await (const entry of watch) {
        if (entry.operation !== 'PUT') {
          this.remove(entry.key, 'deregistered');
          continue;
        }
        try {
          const registration = decodeMessage(entry.value, 'worker.registration.v1');
          if (registration.workerId !== entry.key) throw new Error(`registration of ${registration.workerId} under key ${entry.key}`);
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
    })()
      .catch((err: unknown) => this.logger.error({ err: String(err) }, 'registry watch failed'))
      .finally(() => {
        if (stoppedHere || this.stopped) return;
        this.watchProblem = 'registry watch ended';
        this.rewatch('registry watch ended');
      });
  }

  private followLoad(): void {
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
      // A worker reports load as it registers, so its first reports may come before its registry entry:
      // kept (the latest per id) for at most one TTL, and at most EARLY_LOAD_MAX ids; the rest is dropped.
      if (this.earlyLoad.size >= EARLY_LOAD_MAX)
        for (const [id, early] of this.earlyLoad) if (seenAtMs - early.seenAtMs > this.ttlMs) this.earlyLoad.delete(id);
      if (this.earlyLoad.size < EARLY_LOAD_MAX || this.earlyLoad.has(report.workerId))
        this.earlyLoad.set(report.workerId, { report, seenAtMs });
      else this.onUnregisteredLoad(report.workerId);
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
      // A heartbeat or a load report within the TTL: heartbeats go through JetStream, which stalls for
      // seconds while a NATS cluster elects a new stream leader; load reports (core NATS) keep a live
      // worker in the fleet meanwhile. A dead worker sends neither.
      if (nowMs - Math.max(view.heartbeatSeenAtMs, view.loadSeenAtMs) > this.ttlMs) this.remove(id, 'heartbeat expired');
    }
    return [...this.workers.values()];
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
    void this.loadSub?.drain();
  }
}
