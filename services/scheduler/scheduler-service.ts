// The scheduler service: the live fleet view, the scheduling core and its state feeds, the persisted
// prefix-cache ownership, and the pick server, on one NATS connection.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { WorkerDirectory } from '../../shared/fleet/index.js';
import { connectNats } from '../../shared/nats/index.js';
import { Scheduler } from '../../shared/scheduling/index.js';
import { DEFAULT_WORKER_TTL_MS, openWorkerRegistry } from '../../shared/worker/index.js';
import { MetricsRegistry, schedulerMetrics } from '../../shared/telemetry/index.js';
import { PickServer } from './pick-server.js';
import { PrefixOwnershipStore } from './prefix-ownership-store.js';
import { SchedulingFeed } from './scheduling-feed.js';

export interface SchedulerServiceOptions {
  readonly natsUrl: string;
  readonly logger: Logger;
  /** Distinguishes replicas in logs and connection names. */
  readonly replicaId: string;
  /** Scheduling config as YAML text; default: the shipped default config. */
  readonly configYaml?: string;
  /** ms between saves of prefix-cache ownership to JetStream KV. Default 1000. */
  readonly ownershipSaveMs?: number;
  /** Where the scheduler's metrics go; default a new registry. */
  readonly registry?: MetricsRegistry;
  /** ms after its last heartbeat that a worker counts as gone (--worker-ttl-ms). Default 6000. */
  readonly workerTtlMs?: number;
}

export class SchedulerService {
  private closing: Promise<void> | undefined;
  private constructor(
    readonly nc: NatsConnection,
    readonly directory: WorkerDirectory,
    readonly scheduler: Scheduler,
    readonly feed: SchedulingFeed,
    readonly ownership: PrefixOwnershipStore,
    readonly pickServer: PickServer,
    private readonly logger: Logger,
  ) {}

  static async start(options: SchedulerServiceOptions): Promise<SchedulerService> {
    const { logger } = options;
    const scheduler = new Scheduler(options.configYaml !== undefined ? { config: options.configYaml } : {});
    const registry = options.registry ?? new MetricsRegistry();
    const metrics = schedulerMetrics(registry);
    const nc = await connectNats({ servers: options.natsUrl, name: `atc-scheduler/${options.replicaId}`, logger, onReconnect: () => metrics.natsReconnects.inc() });
    const ttlMs = options.workerTtlMs ?? DEFAULT_WORKER_TTL_MS;
    const directory = new WorkerDirectory(nc, await openWorkerRegistry(nc, ttlMs), ttlMs, logger);
    const ownership = await PrefixOwnershipStore.open(nc, scheduler.state.prefixIndex, logger);
    directory.onWorkerGone = (workerId) => {
      scheduler.removeWorker(workerId);
      void ownership.delete(workerId).catch((err: unknown) => logger.warn({ workerId, err: String(err) }, 'could not delete prefix ownership'));
    };
    const feed = new SchedulingFeed(nc, scheduler, logger);
    // Snapshot first, then live events: batches the snapshot already holds are skipped by sequence number.
    const imported = await ownership.load();
    feed.start();
    await directory.start();
    ownership.start(options.ownershipSaveMs ?? 1_000);
    const pickServer = new PickServer(nc, directory, scheduler, feed, metrics, options.replicaId, logger);
    registry.beforeCollect(() => {
      metrics.workers.reset();
      const counts = new Map<string, { model: string; role: string; n: number }>();
      for (const w of directory.live()) {
        for (const model of w.registration.models) {
          const key = `${model}\u0000${w.registration.role}`;
          const c = counts.get(key) ?? { model, role: w.registration.role, n: 0 };
          c.n++;
          counts.set(key, c);
        }
      }
      for (const c of counts.values()) metrics.workers.set({ model: c.model, role: c.role }, c.n);
    });
    pickServer.start();
    await nc.flush();
    logger.info({ replicaId: options.replicaId, importedPrefixOwnership: imported }, 'scheduler ready');
    return new SchedulerService(nc, directory, scheduler, feed, ownership, pickServer, logger);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const steps = [() => this.pickServer.stop(), () => this.feed.stop(), () => this.ownership.stop(), () => this.directory.stop(), () => this.nc.drain()];
      for (const step of steps) {
        try {
          await step();
        } catch (err) {
          this.logger.warn({ err: String(err) }, 'scheduler shutdown step failed');
        }
      }
    })();
    return this.closing;
  }
}
