// The scheduler service: the live fleet view, the scheduling core and its state feeds, the persisted
// prefix-cache ownership, and the pick server, on one NATS connection.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { WorkerDirectory } from '../../shared/fleet/index.js';
import { connectNats, type NatsCredentials } from '../../shared/nats/index.js';
import { Scheduler } from '../../shared/scheduling/index.js';
import { DEFAULT_WORKER_TTL_MS, openWorkerRegistryBucket } from '../../shared/fleet/index.js';
import { flowControlMetrics, schedulerMetrics } from '../../shared/telemetry/index.js';
import { PickFlow, type PickFlowOptions } from './pick-flow.js';
import { PickServer, snapshotOf } from './pick-server.js';
import { TokenizerPool } from '../../shared/tokenizer/index.js';
import { PrefixOwnershipStore } from './prefix-ownership-store.js';
import { SchedulingFeed } from './scheduling-feed.js';

export interface SchedulerServiceOptions {
  readonly natsUrl: string;
  /** NATS user, password, creds, TLS (natsCredentialOptions). */
  readonly natsCredentials?: NatsCredentials;
  readonly logger: Logger;
  /** Distinguishes replicas in logs and connection names. */
  readonly replicaId: string;
  /** Scheduling config as YAML text; default: the shipped default config. */
  readonly configYaml?: string;
  /** ms between saves of prefix-cache ownership to JetStream KV. Default 1000. */
  readonly ownershipSaveMs?: number;
  /** Where the scheduler's metrics go; default a new registry. */
  readonly registry?: Registry;
  /** ms after its last heartbeat that a worker counts as gone (--worker-ttl-ms). Default 6000. */
  readonly workerTtlMs?: number;
  /** Copies of each JetStream KV bucket (--kv-replicas). Default 1. */
  readonly kvReplicas?: number;
  /** Flow control (queueing past saturation, priorities, fairness); false: every pick is decided at once. Default on. */
  readonly flowControl?: PickFlowOptions | false;
  /** Threads tokenizing long text prompts that come without token ids (--tokenizer-threads); default 0: inline. */
  readonly tokenizerThreads?: number;
  /** The tokenizer the pool threads load (--tokenizer-path): the one this process loaded at start-up. */
  readonly tokenizerPath?: string;
  /**
   * In-process mode (the ingress's `--scheduler in-process`): run on this connection (the host's, not
   * drained on close) and answer picks only through PickServer.pickInProcess, not on atc.sched.pick.
   */
  readonly inProcessOn?: NatsConnection;
  /**
   * In-process: the host's worker directory (started, following load reports), shared instead of a second
   * one decoding every registry change and load report again. Its onWorkerGone and onUnregisteredLoad
   * become this scheduler's.
   */
  readonly directory?: WorkerDirectory;
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
    private readonly tokenizer: TokenizerPool,
    private readonly logger: Logger,
    /** False in-process: the host owns the connection and drains it. */
    private readonly ownsConnection: boolean,
  ) {}

  static async start(options: SchedulerServiceOptions): Promise<SchedulerService> {
    const { logger } = options;
    const scheduler = new Scheduler(options.configYaml !== undefined ? { config: options.configYaml } : {});
    // The workers gauge reads the directory at scrape time; it exists once NATS is up.
    let directory: WorkerDirectory | undefined;
    const metricsRegistry = options.registry ?? new Registry();
    const metrics = schedulerMetrics(
      metricsRegistry,
      () => directory?.live().map((w) => w.registration) ?? [],
      () => scheduler.state.saturation.engineEstimates(),
    );
    const nc =
      options.inProcessOn ??
      (await connectNats({
        servers: options.natsUrl,
        name: `atc-scheduler/${options.replicaId}`,
        logger,
        onReconnect: () => metrics.natsReconnects.inc(),
        ...(options.natsCredentials ? { credentials: options.natsCredentials } : {}),
      }));
    const ttlMs = options.workerTtlMs ?? DEFAULT_WORKER_TTL_MS;
    const replicas = options.kvReplicas ?? 1;
    const registryBucket = await openWorkerRegistryBucket(nc, ttlMs, replicas, logger);
    const live = options.directory ?? new WorkerDirectory(nc, registryBucket, ttlMs, logger);
    directory = live;
    live.onUnregisteredLoad = () => metrics.droppedEvents.inc({ kind: 'load', reason: 'unregistered' });
    const ownership = await PrefixOwnershipStore.open(nc, scheduler.state.prefixIndex, logger, {
      replicas,
      isRegistered: (id) => live.isRegistered(id),
    });
    live.onWorkerGone = (workerId) => {
      scheduler.removeWorker(workerId);
      void ownership
        .delete(workerId)
        .catch((err: unknown) => logger.warn({ workerId, err: String(err) }, 'could not delete prefix ownership'));
    };
    const feed = new SchedulingFeed(nc, scheduler, logger, live, metrics);
    let flow: PickFlow | undefined;
    if (options.flowControl !== false) {
      const fcMetrics = flowControlMetrics(metricsRegistry, () => flow?.queuedByFlow() ?? []);
      flow = new PickFlow(scheduler, live, snapshotOf, fcMetrics, options.flowControl ?? {});
      const f = flow;
      feed.onCompleted = (requestId, outputTokens) => f.completed(requestId, outputTokens);
      feed.onFirstToken = () => f.pump();
    }
    // Snapshot first, then live events: batches the snapshot already holds are skipped by sequence number.
    // Only the snapshots of workers registered now are imported.
    if (!options.directory) await live.start();
    const imported = await ownership.load(new Set(await registryBucket.keys()));
    feed.start();
    ownership.start(options.ownershipSaveMs ?? 1_000);
    const tokenizer = new TokenizerPool({
      threads: options.tokenizerThreads ?? 0,
      blockSize: scheduler.state.blockSize,
      ...(options.tokenizerPath !== undefined ? { tokenizerPath: options.tokenizerPath } : {}),
    });
    const pickServer = new PickServer(nc, live, scheduler, feed, metrics, options.replicaId, logger, flow, tokenizer);
    if (!options.inProcessOn) pickServer.start();
    await nc.flush();
    logger.info({ replicaId: options.replicaId, importedPrefixOwnership: imported }, 'scheduler ready');
    return new SchedulerService(nc, live, scheduler, feed, ownership, pickServer, tokenizer, logger, options.inProcessOn === undefined);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const steps: Array<() => unknown> = [
        () => this.pickServer.stop(),
        () => this.feed.stop(),
        () => this.ownership.stop(),
        () => (this.ownsConnection ? this.directory.stop() : undefined),
        () => (this.ownsConnection ? this.nc.drain() : undefined),
        () => this.tokenizer.close(),
      ];
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
