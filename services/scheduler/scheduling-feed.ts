// Feeds the scheduling core's state from the workers' event streams: KV cache events into the prefix
// index (sequence gaps and restarts make it drop and rebuild a worker's entries), and request-completed
// records (first token, completion) into the in-flight ledger and the latency model. Only registered
// workers feed the index (events of any other id are dropped and counted: anybody on NATS could publish
// them), and a worker's entries are capped at its engine's KV capacity in blocks (its load reports'
// numGpuBlocks): beyond it the entries cannot be true, so they are dropped and rebuild from new events.
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { decodeKvEventBatch } from '../../shared/engine/vllm/index.js';
import { AtcHeader, decodeMessage, eventSubjects, workerIdOfEventSubject } from '../../shared/protocol/index.js';
import type { Scheduler } from '../../shared/scheduling/index.js';
import type { WorkerDirectory } from '../../shared/fleet/index.js';
import type { SchedulerMetrics } from '../../shared/telemetry/index.js';

/** What the latency model needs from the moment of dispatch, kept until the request completes. */
export interface DispatchFeatures {
  readonly workerId: string;
  readonly uncachedTokens: number;
  readonly waitingRequests: number;
  readonly runningRequests: number;
  readonly inflightPromptTokens: number;
  readonly atMs: number;
}

/** ms after which dispatch features of a request never seen to complete are dropped. */
const FEATURES_TTL_MS = 10 * 60_000;

export class SchedulingFeed {
  private readonly subs: Subscription[] = [];
  private readonly dispatched = new Map<string, DispatchFeatures>();
  /** Hears each completion (flow control: fairness correction, capacity freed). */
  onCompleted: ((requestId: string, completionTokens: number) => void) | undefined;
  /** Hears each first token (flow control: the prompt's prefill no longer weighs on its worker). */
  onFirstToken: ((requestId: string) => void) | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly scheduler: Scheduler,
    private readonly logger: Logger,
    /** Who is registered, and each engine's KV capacity; without it every id is accepted (tests of the index alone). */
    private readonly directory?: WorkerDirectory,
    private readonly metrics?: SchedulerMetrics,
  ) {}

  start(): void {
    this.subs.push(
      this.nc.subscribe(eventSubjects.kvAll, {
        callback: (_err, msg) => {
          const workerId = workerIdOfEventSubject(msg.subject);
          const seq = Number(msg.headers?.get(AtcHeader.KvSeq));
          if (!workerId || !Number.isSafeInteger(seq) || seq < 0) {
            this.logger.warn({ subject: msg.subject }, 'dropped KV event batch without worker id or sequence number');
            return;
          }
          if (this.directory && !this.directory.isRegistered(workerId)) {
            this.metrics?.droppedEvents.inc({ kind: 'kv', reason: 'unregistered' });
            return;
          }
          try {
            const index = this.scheduler.state.prefixIndex;
            const result = this.scheduler.applyKvEvents(workerId, seq, decodeKvEventBatch(msg.data));
            if (result.resyncNeeded) {
              this.logger.warn({ workerId, reason: result.reason }, 'prefix index resynced a worker: its entries rebuild from new events');
            }
            const capacity = this.directory?.capacityBlocks(workerId);
            const held = index.workerBlockCount(workerId);
            if (capacity !== undefined && held > capacity) {
              index.dropWorkerEntries(workerId);
              this.metrics?.droppedEvents.inc({ kind: 'kv', reason: 'over_capacity' });
              this.logger.warn(
                { workerId, blocks: held, capacityBlocks: capacity },
                'prefix index resynced a worker: it claimed more blocks than its engine holds; its entries rebuild from new events',
              );
            }
          } catch (err) {
            this.logger.warn({ workerId, err: String(err) }, 'dropped malformed KV event batch');
          }
        },
      }),
    );
    this.subs.push(
      this.nc.subscribe(eventSubjects.completedAll, {
        callback: (_err, msg) => {
          try {
            const done = decodeMessage(msg.data, 'request.completed.v1', 'request.first_token.v1');
            if (done.type === 'request.first_token.v1') {
              this.scheduler.markPrefilled(done.requestId);
              this.onFirstToken?.(done.requestId);
              return;
            }
            this.scheduler.finish(done.requestId);
            this.onCompleted?.(done.requestId, done.completionTokens);
            const features = this.dispatched.get(done.requestId);
            this.dispatched.delete(done.requestId);
            if (!features || features.workerId !== done.workerId || done.finishReason === 'error' || done.finishReason === 'abort') return;
            this.scheduler.state.latency.observe({
              workerId: done.workerId,
              uncachedTokens: features.uncachedTokens,
              waitingRequests: features.waitingRequests,
              runningRequests: features.runningRequests,
              inflightPromptTokens: features.inflightPromptTokens,
              ttftMs: done.ttftMs,
              ...(done.completionTokens >= 2 ? { tpotMs: (done.e2eMs - done.ttftMs) / (done.completionTokens - 1) } : {}),
            });
          } catch (err) {
            this.logger.warn({ subject: msg.subject, err: String(err) }, 'dropped malformed request-completed record');
          }
        },
      }),
    );
  }

  /** Remembers the dispatch-time features of a request for the latency model. */
  noteDispatch(requestId: string, features: DispatchFeatures): void {
    this.dispatched.set(requestId, features);
    if (this.dispatched.size % 1024 === 0) {
      for (const [id, f] of this.dispatched) if (features.atMs - f.atMs > FEATURES_TTL_MS) this.dispatched.delete(id);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.subs.map((s) => s.drain()));
  }
}
