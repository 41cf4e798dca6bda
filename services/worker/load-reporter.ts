// Publishes the engine's load on atc.events.load.<id> every `intervalMs` (and on demand after a change).
import type { EventOutbox } from './event-outbox.js';
import type { Engine } from '../../shared/engine/types.js';
import { encodeMessage, eventSubjects, type WorkerRole } from '../../shared/protocol/index.js';

export class LoadReporter {
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;

  constructor(
    private readonly events: EventOutbox,
    private readonly workerId: string,
    private readonly role: WorkerRole,
    private readonly engine: Engine,
    private readonly activeRequests: () => number,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.report();
    this.timer = setInterval(() => this.report(), this.intervalMs);
    this.timer.unref();
  }

  /** Reads the load now; sent with the turn's other events. */
  report(): void {
    this.events.publish(
      eventSubjects.load(this.workerId),
      encodeMessage({
        type: 'load.report.v1',
        workerId: this.workerId,
        role: this.role,
        seq: this.seq++,
        reportedAtMs: Date.now(),
        load: this.engine.load(),
        activeRequests: this.activeRequests(),
      }),
    );
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
