// The scheduler service: worker directory + pick server on one NATS connection.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { connectNats } from '../../shared/nats/index.js';
import { openWorkerRegistry, workerTtlMs } from '../../shared/worker/index.js';
import { PickServer } from './pick-server.js';
import { WorkerDirectory } from '../../shared/fleet/index.js';

export interface SchedulerServiceOptions {
  readonly natsUrl: string;
  readonly logger: Logger;
  /** Distinguishes replicas in logs and connection names. */
  readonly replicaId: string;
}

export class SchedulerService {
  private closing: Promise<void> | undefined;
  private constructor(readonly nc: NatsConnection, readonly directory: WorkerDirectory, readonly pickServer: PickServer, private readonly logger: Logger) {}

  static async start(options: SchedulerServiceOptions): Promise<SchedulerService> {
    const nc = await connectNats({ servers: options.natsUrl, name: `atc-scheduler/${options.replicaId}`, logger: options.logger });
    const ttlMs = workerTtlMs();
    const registry = await openWorkerRegistry(nc, ttlMs);
    const directory = new WorkerDirectory(nc, registry, ttlMs, options.logger);
    await directory.start();
    const pickServer = new PickServer(nc, directory, options.logger);
    pickServer.start();
    await nc.flush();
    options.logger.info({ replicaId: options.replicaId }, 'scheduler ready');
    return new SchedulerService(nc, directory, pickServer, options.logger);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.pickServer.stop().catch((err: unknown) => this.logger.warn({ err: String(err) }, 'pick server stop failed'));
      this.directory.stop();
      await this.nc.drain().catch(() => undefined);
    })();
    return this.closing;
  }
}
