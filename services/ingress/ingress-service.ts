// The ingress service: HTTP and NATS front doors over one dispatcher and one view of the fleet.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { WorkerDirectory } from '../../shared/fleet/index.js';
import { connectNats, type NatsCredentials } from '../../shared/nats/index.js';
import { ingressMetrics } from '../../shared/telemetry/index.js';
import { DEFAULT_WORKER_TTL_MS, openWorkerRegistryBucket } from '../../shared/fleet/index.js';
import { Dispatcher, defaultDispatcherOptions, type DispatcherOptions } from './dispatcher.js';
import { IngressHttpServer, type HttpServerOptions } from './http-server.js';
import { InferenceFrontDoor } from './front-door.js';
import { IngressNatsApi } from './nats-api.js';
import type { RequestLimits } from './openai-request.js';
import { TokenizerPool } from '../../shared/tokenizer/index.js';
import { DirectLinks } from './direct-links.js';
import { SchedulerService, type SchedulerServiceOptions } from '../scheduler/scheduler-service.js';

export interface IngressServiceOptions {
  readonly natsUrl: string;
  /** NATS user, password, creds, TLS (natsCredentialOptions). */
  readonly natsCredentials?: NatsCredentials;
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
  /** Threads tokenizing long prompts (--tokenizer-threads); default 0: inline. */
  readonly tokenizerThreads?: number;
  /** The tokenizer the pool threads load (--tokenizer-path): the one this process loaded at start-up. */
  readonly tokenizerPath?: string;
  /**
   * Pick in this process (`--scheduler in-process`): a scheduler on the ingress's NATS connection, fed by
   * the same events as a replica, answers picks without the two NATS hops. Absent: ask the scheduler
   * replicas over atc.sched.pick.
   */
  readonly inProcessScheduler?: InProcessSchedulerOptions;
  /**
   * Send generate requests over a worker's direct connection when it registered one (`--direct`, default
   * true; workers offer one with --direct-listen). False: always NATS.
   */
  readonly direct?: boolean;
}

/** The in-process scheduler's settings (a replica's, less its connection and logger). */
export type InProcessSchedulerOptions = Omit<
  SchedulerServiceOptions,
  | 'natsUrl'
  | 'natsCredentials'
  | 'logger'
  | 'registry'
  | 'inProcessOn'
  | 'directory'
  | 'workerTtlMs'
  | 'kvReplicas'
  | 'tokenizerThreads'
  | 'tokenizerPath'
>;

export class IngressService {
  private closing: Promise<void> | undefined;

  private constructor(
    readonly nc: NatsConnection,
    readonly port: number,
    private readonly directory: WorkerDirectory,
    readonly http: IngressHttpServer,
    private readonly natsApi: IngressNatsApi,
    private readonly tokenizer: TokenizerPool,
    private readonly logger: Logger,
    /** The in-process scheduler, when picks are made here. */
    readonly scheduler: SchedulerService | undefined,
    /** Direct connections to workers, unless --direct false. */
    readonly directLinks: DirectLinks | undefined,
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
      ...(options.natsCredentials ? { credentials: options.natsCredentials } : {}),
    });
    const http = { ...options.http, maxBodyBytes: bodyLimitWithin(options.http.maxBodyBytes, nc.info?.max_payload, logger) };
    const ttlMs = options.workerTtlMs ?? DEFAULT_WORKER_TTL_MS;
    const directory = new WorkerDirectory(nc, await openWorkerRegistryBucket(nc, ttlMs, options.kvReplicas ?? 1, logger), ttlMs, logger);
    // With load reports: they keep a worker live while JetStream (its heartbeats) stalls.
    await directory.start(true);
    // In-process: the ingress's own tokenizer pool computes the ids it sends with each pick, so the
    // scheduler's pool stays inline (it only serves picks that come without ids, which none do here).
    const scheduler = options.inProcessScheduler
      ? await SchedulerService.start({
          ...options.inProcessScheduler,
          natsUrl: options.natsUrl,
          logger: logger.child({ component: 'scheduler' }),
          registry,
          workerTtlMs: ttlMs,
          kvReplicas: options.kvReplicas ?? 1,
          inProcessOn: nc,
          directory,
        })
      : undefined;
    const directLinks = options.direct === false ? undefined : new DirectLinks(nc, logger);
    if (directLinks) {
      // After the in-process scheduler's own handler (set as it started): both hear of a departed worker.
      const before = directory.onWorkerGone;
      directory.onWorkerGone = (workerId) => {
        before(workerId);
        directLinks.forget(workerId);
      };
    }
    const dispatcher = new Dispatcher(
      nc,
      { ...defaultDispatcherOptions, ...options.dispatcher },
      metrics,
      logger,
      scheduler?.pickServer,
      directLinks ? { links: directLinks, addressOf: (id) => directory.directAddress(id) } : undefined,
    );
    const tokenizer = new TokenizerPool({
      threads: options.tokenizerThreads ?? 0,
      ...(options.tokenizerPath !== undefined ? { tokenizerPath: options.tokenizerPath } : {}),
    });
    const frontDoor = new InferenceFrontDoor(
      dispatcher,
      directory,
      options.limits,
      metrics,
      logger,
      options.logPrompts ?? false,
      tokenizer,
    );
    const natsApi = new IngressNatsApi(nc, frontDoor, logger, http.maxBodyBytes);
    natsApi.start();
    // The server knows the API's subscriptions before "ready": a client connected elsewhere would
    // otherwise get "no responders" for a request sent right after start resolves.
    await nc.flush();
    const server = new IngressHttpServer(frontDoor, http, registry, logger);
    const port = await server.listen();
    logger.info({ port, maxBodyBytes: http.maxBodyBytes, scheduler: scheduler ? 'in-process' : 'nats' }, 'ingress ready');
    return new IngressService(nc, port, directory, server, natsApi, tokenizer, logger, scheduler, directLinks);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const steps: Array<() => unknown> = [
        () => this.http.close(),
        () => this.natsApi.stop(),
        () => this.scheduler?.close(),
        () => this.directLinks?.close(),
        () => this.directory.stop(),
        () => this.nc.drain(),
        () => this.tokenizer.close(),
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

/** Bytes of a NATS message beyond the request body: the message's other fields and headers (trace context). */
export const NATS_MESSAGE_HEADROOM = 64 * 1024;

/**
 * The largest body the ingress can accept: the prompt travels in one NATS message (pick, generate), so a
 * body must fit the server's max_payload with headroom. A smaller server limit lowers the body limit (a
 * larger body then gets 413, never a 500) and says so at start-up.
 */
export function bodyLimitWithin(maxBodyBytes: number, maxPayload: number | undefined, logger: Logger): number {
  if (maxPayload === undefined || maxPayload - NATS_MESSAGE_HEADROOM >= maxBodyBytes) return maxBodyBytes;
  const limit = Math.max(1024, maxPayload - NATS_MESSAGE_HEADROOM);
  logger.warn(
    { maxBodyBytes, natsMaxPayload: maxPayload, effectiveMaxBodyBytes: limit },
    `the NATS server's max_payload (${maxPayload} bytes) is below the body limit plus ${NATS_MESSAGE_HEADROOM} bytes: ` +
      `bodies over ${limit} bytes get 413; raise max_payload on the server (npm start runs it with 16 MiB) to accept ${maxBodyBytes}`,
  );
  return limit;
}
