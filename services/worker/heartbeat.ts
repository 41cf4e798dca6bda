// Keeps a worker's registry entry alive: puts its registration every `intervalMs`, deletes it on stop.
import type { KvBucket } from '../../shared/nats/index.js';
import type { Logger } from 'pino';
import { encodeMessage, type WorkerRegistrationV1 } from '../../shared/protocol/index.js';

export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly registry: KvBucket,
    private readonly registration: Omit<WorkerRegistrationV1, 'heartbeatAtMs'>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(
      () => void this.beat().catch((err: unknown) => this.logger.warn({ err: String(err) }, 'heartbeat failed')),
      this.intervalMs,
    );
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    if (this.stopped) return;
    // run(): a server back with an empty store gets the bucket recreated and the entry put again.
    await this.registry.run((kv) => kv.put(this.registration.workerId, encodeMessage({ ...this.registration, heartbeatAtMs: Date.now() })));
  }

  /** Idempotent; removes the entry so schedulers stop routing here at once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.registry.kv
      .delete(this.registration.workerId)
      .catch((err: unknown) => this.logger.warn({ err: String(err) }, 'registry delete failed'));
  }
}
