// The ingress service: HTTP and NATS front doors over one dispatcher and one view of the fleet.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { WorkerDirectory } from '../../shared/fleet/index.js';
import { connectNats } from '../../shared/nats/index.js';
import { ingressMetrics } from '../../shared/telemetry/index.js';
import { DEFAULT_WORKER_TTL_MS, openWorkerRegistryBucket } from '../../shared/fleet/index.js';
import { Dispatcher, defaultDispatcherOptions, type DispatcherOptions } from './dispatcher.js';
import { IngressHttpServer, type HttpServerOptions } from './http-server.js';
import { InferenceFrontDoor } from './front-door.js';
import { IngressNatsApi } from './nats-api.js';
import type { RequestLimits } from './openai-request.js';

export interface IngressServiceOptions {
  readonly natsUrl: string;
  readonly logger: Logger;
  readonly http: HttpServerOptions;
  readonly limits: RequestLimits;
  readonly dispatcher?: Partial<DispatcherOptions>;
  /** Where the ingress's metrics go (served on its /metrics route); default a new registry. */
  readonly registry?: Registry;
  /** ms after its last heartbeat that a worker counts as gone (--worker-ttl-ms). Default 6000. */
  readonly workerTtlMs?: number;
  /** Log prompt text itself (--log-prompts); default only its size. */
  readonly logPrompts?: boolean;
  /** Copies of each JetStream KV bucket (--kv-replicas). Default 1. */
  readonly kvReplicas?: number;
}

export class IngressService {
  private closing: Promise<void> | undefined;

  private constructor(
    readonly nc: NatsConnection,
    readonly port: number,
    private readonly directory: WorkerDirectory,
    readonly http: IngressHttpServer,
    private readonly natsApi: IngressNatsApi,
    private readonly logger: Logger,
  ) {}

  static async start(options: IngressServiceOptions): Promise<IngressService> {
    const { logger } = options;
    const registry = options.registry ?? new Registry();
    const metrics = ingressMetrics(registry);
    const nc = await connectNats({
      servers: options.natsUrl,
      name: 'atc-ingress',
      logger,
      onReconnect: () => metrics.natsReconnects.inc(),
    });
    const ttlMs = options.workerTtlMs ?? DEFAULT_WORKER_TTL_MS;
    const directory = new WorkerDirectory(nc, await openWorkerRegistryBucket(nc, ttlMs, options.kvReplicas ?? 1, logger), ttlMs, logger);
    // With load reports: they keep a worker live while JetStream (its heartbeats) stalls.
    await directory.start(true);
    const dispatcher = new Dispatcher(nc, { ...defaultDispatcherOptions, ...options.dispatcher }, metrics, logger);
    const frontDoor = new InferenceFrontDoor(dispatcher, directory, options.limits, metrics, logger, options.logPrompts ?? false);
    const natsApi = new IngressNatsApi(nc, frontDoor, logger);
    natsApi.start();
    const http = new IngressHttpServer(frontDoor, options.http, registry, logger);
    const port = await http.listen();
    logger.info({ port }, 'ingress ready');
    return new IngressService(nc, port, directory, http, natsApi, logger);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const steps: Array<() => unknown> = [
        () => this.http.close(),
        () => this.natsApi.stop(),
        () => this.directory.stop(),
        () => this.nc.drain(),
      ];
      for (const step of steps) {
        try {
          await step();
        } catch (err) {
          this.logger.warn({ err: String(err) }, 'ingress shutdown step failed');
        }
      }
    })();
    return this.closing;
  }
}
