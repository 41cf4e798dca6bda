// A worker: one engine behind NATS. Registers and heartbeats in the registry bucket, serves generate
// (decode role) and prefill (prefill role) requests, honours cancels, and publishes load reports.
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Engine } from '../../shared/engine/types.js';
import { VllmEngine } from '../../shared/engine/vllm/index.js';
import { connectNats, guarded, type NatsCredentials } from '../../shared/nats/index.js';
import { workerMetrics } from '../../shared/telemetry/index.js';
import { decodeMessage, workerSubjects, type WorkerRole } from '../../shared/protocol/index.js';
import { GenerateHandler } from './generate-handler.js';
import { Heartbeat } from './heartbeat.js';
import { DEFAULT_HANDOFF_TTL_MS, KvHandoffStore } from './kv-handoff.js';
import { KvEventForwarder } from './kv-event-forwarder.js';
import { LoadReporter } from './load-reporter.js';
import { EventOutbox } from './event-outbox.js';
import { PrefillClient } from './prefill-client.js';
import { PrefillHandler } from './prefill-handler.js';
import { DirectListener, type DirectListenerOptions } from './direct-listener.js';
import { DEFAULT_WORKER_TTL_MS, openWorkerRegistryBucket } from '../../shared/fleet/index.js';

export interface WorkerRuntimeOptions {
  readonly workerId: string;
  readonly role: WorkerRole;
  readonly natsUrl: string;
  /** NATS user, password, creds, TLS (natsCredentialOptions). */
  readonly natsCredentials?: NatsCredentials;
  readonly engine: Engine;
  readonly logger: Logger;
  /** ms between load reports. Default 250. */
  readonly loadReportMs?: number;
  /** ms of stream silence before a keepalive. Default 1000. */
  readonly keepaliveMs?: number;
  /** ms a decode worker waits for a remote prefill before prefilling locally. Default 30000. */
  readonly prefillTimeoutMs?: number;
  /** ms the registry entry outlives the last heartbeat; heartbeats come every third of it. Default 6000. */
  readonly workerTtlMs?: number;
  /** ms a KV handoff record lives if no decode worker takes it. Default 60000. */
  readonly kvHandoffTtlMs?: number;
  /** Where the worker's metrics go; default a new registry. */
  readonly registry?: Registry;
  /** Copies of each JetStream KV bucket (--kv-replicas). Default 1. */
  readonly kvReplicas?: number;
  /** A direct connection for generate requests (--direct-listen); absent: NATS only. */
  readonly direct?: DirectListenerOptions;
}

export const DEFAULT_PREFILL_TIMEOUT_MS = 30_000;

export class WorkerRuntime {
  private readonly subs: Subscription[] = [];
  private closing: Promise<void> | undefined;

  private constructor(
    readonly options: WorkerRuntimeOptions,
    readonly nc: NatsConnection,
    private readonly heartbeat: Heartbeat,
    private readonly loadReporter: LoadReporter,
    readonly kvEvents: KvEventForwarder,
    readonly generate: GenerateHandler,
    readonly prefill: PrefillHandler,
    readonly prefillClient: PrefillClient,
    /** The direct connection's listener, when --direct-listen is set. */
    readonly direct: DirectListener | undefined,
  ) {}

  static async start(options: WorkerRuntimeOptions): Promise<WorkerRuntime> {
    const { workerId, role, engine, logger } = options;
    await engine.start();
    const metrics = workerMetrics(options.registry ?? new Registry(), {
      labels: { worker_id: workerId, model: engine.model },
      load: () => engine.load(),
    });
    const nc = await connectNats({
      servers: options.natsUrl,
      name: `atc-${role}-worker/${workerId}`,
      logger,
      onReconnect: () => metrics.natsReconnects.inc(),
      ...(options.natsCredentials ? { credentials: options.natsCredentials } : {}),
    });
    const ttlMs = options.workerTtlMs ?? DEFAULT_WORKER_TTL_MS;
    const replicas = options.kvReplicas ?? 1;
    const registry = await openWorkerRegistryBucket(nc, ttlMs, replicas, logger);
    const handoffs = await KvHandoffStore.open(nc, options.kvHandoffTtlMs ?? DEFAULT_HANDOFF_TTL_MS, replicas, logger);
    const prefillClient = new PrefillClient(nc, handoffs, options.prefillTimeoutMs ?? DEFAULT_PREFILL_TIMEOUT_MS, metrics);
    let reporter: LoadReporter | undefined;
    const events = new EventOutbox(nc);
    const generate = new GenerateHandler({
      workerId,
      engine,
      nc,
      events,
      logger,
      keepaliveMs: options.keepaliveMs ?? 1_000,
      prefill: prefillClient,
      metrics,
      onActivityChange: () => reporter?.report(),
    });
    const prefill = new PrefillHandler(workerId, engine, handoffs, metrics, logger);
    const direct = options.direct && role !== 'prefill' ? await DirectListener.start(options.direct, generate, logger) : undefined;
    reporter = new LoadReporter(
      events,
      workerId,
      role,
      engine,
      () => generate.activeRequests + prefill.activeRequests,
      options.loadReportMs ?? 250,
    );
    const heartbeat = new Heartbeat(
      registry,
      {
        type: 'worker.registration.v1',
        workerId,
        role,
        models: [engine.model],
        engineKind: engine.kind,
        ...(engine.maxModelLen !== undefined ? { maxModelLen: engine.maxModelLen } : {}),
        ...(direct ? { directAddress: direct.address } : {}),
        startedAtMs: Date.now(),
      },
      Math.max(100, Math.floor(ttlMs / 3)),
      logger,
    );
    const kvEvents = new KvEventForwarder(events, workerId, engine);
    kvEvents.start();
    if (engine instanceof VllmEngine) engine.onKvEventGap(() => kvEvents.upstreamGap());
    const runtime = new WorkerRuntime(options, nc, heartbeat, reporter, kvEvents, generate, prefill, prefillClient, direct);
    runtime.subscribe();
    direct?.grantOn(nc, workerId);
    await nc.flush();
    reporter.start();
    await heartbeat.start();
    logger.info({ workerId, role, model: engine.model, engine: engine.kind, direct: direct?.address }, 'worker ready');
    return runtime;
  }

  private subscribe(): void {
    const { workerId, role, logger } = this.options;
    // Liveness: answered by the event loop itself, so a hung worker does not answer.
    this.subs.push(this.nc.subscribe(workerSubjects.ping(workerId), { callback: (_err, msg) => void msg.respond(new Uint8Array(0)) }));
    if (role !== 'prefill') {
      this.subs.push(
        this.nc.subscribe(workerSubjects.generate(workerId), { callback: guarded(logger, 'generate', (msg) => this.generate.handle(msg)) }),
      );
      this.subs.push(
        this.nc.subscribe(workerSubjects.cancel(workerId), {
          callback: (_err, msg) => {
            try {
              this.generate.cancel(decodeMessage(msg.data, 'cancel.v1').requestId);
            } catch (err) {
              logger.warn({ err: String(err) }, 'dropped malformed cancel message');
            }
          },
        }),
      );
    }
    if (role !== 'decode') {
      this.subs.push(
        this.nc.subscribe(workerSubjects.prefill(workerId), { callback: guarded(logger, 'prefill', (msg) => this.prefill.handle(msg)) }),
      );
      this.subs.push(
        this.nc.subscribe(workerSubjects.release(workerId), { callback: guarded(logger, 'release', (msg) => this.prefill.release(msg)) }),
      );
    }
  }

  /** Idempotent: leaves the registry, stops taking work, aborts what runs, closes the engine and NATS. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const steps: Array<() => unknown> = [
        () => this.heartbeat.stop(),
        () => this.loadReporter.stop(),
        () => this.kvEvents.stop(),
        () => Promise.all(this.subs.map((s) => s.drain())),
        () => this.direct?.close(),
        () => this.generate.abortAll(),
        () => this.options.engine.close(),
        () => this.nc.drain(),
      ];
      for (const step of steps) {
        try {
          await step();
        } catch (err) {
          this.options.logger.warn({ err: String(err) }, 'worker shutdown step failed');
        }
      }
    })();
    return this.closing;
  }
}
