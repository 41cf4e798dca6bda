// The fleet as the live scheduler sees it, in virtual time: one SimEngineCore per replica, each
// publishing a load report every loadReportIntervalMs (phase-staggered, as independent worker processes
// are) and its KV event batches, which reach the scheduler's prefix index kvEventDelayMs later.
import type { VirtualClock } from '../../../shared/clock/index.js';
import { SimEngineCore, type CpuOffloadOptions, type ExternalKvStore } from '../../../shared/engine/sim/index.js';
import type { KvEventBatch } from '../../../shared/engine/types.js';
import type { ApplyEventsResult, WorkerSnapshot } from '../../../shared/scheduling/index.js';
import type { FleetSpec } from './workload.js';

export interface FleetTiming {
  /** ms between a worker's load reports (live workers: 250). */
  readonly loadReportIntervalMs: number;
  /** ms from an engine step's KV events to the scheduler's prefix index (a NATS hop). */
  readonly kvEventDelayMs: number;
}

/** Engine options every replica of the fleet shares. */
export interface FleetEngineOptions {
  /** A KV connector every engine reads (the `ideal` reference's shared unlimited cache). */
  readonly externalKv?: ExternalKvStore;
  /** One block-hash seed for every engine (default: each engine its own, as independent vLLMs). */
  readonly hashSeed?: number;
  /** vLLM's native CPU KV offloading on every engine (a fleet layout: off unless given). */
  readonly cpuOffload?: CpuOffloadOptions;
}

/** Where the engines' KV event batches go: the scheduler (GPU prefix index and host tier). */
export interface KvEventSink {
  applyKvEvents(workerId: string, seq: number, batch: KvEventBatch): ApplyEventsResult;
}

export class VirtualFleet {
  readonly model: string;
  readonly engines = new Map<string, SimEngineCore>();
  /** What the scheduler last heard from each worker, in fleet order. */
  readonly snapshots: WorkerSnapshot[] = [];
  private readonly stops: Array<() => void> = [];
  /** Per replica: cancels its next load report. */
  private readonly reportCancels: Array<() => void> = [];
  private stopped = false;
  /** KV event batches after which the prefix index dropped a worker's entries (asked for a resync). */
  kvResyncs = 0;
  /** The first resync reason seen, for the run's diagnostics. */
  firstResyncReason: string | undefined;

  constructor(
    readonly spec: FleetSpec,
    private readonly clock: VirtualClock,
    /** The scheduler the engines' KV events feed; none when the policy reads no events. */
    kvEvents: KvEventSink | undefined,
    private readonly timing: FleetTiming,
    seed: number,
    engineOptions: FleetEngineOptions = {},
  ) {
    spec.replicas.forEach((r, i) => {
      const core = new SimEngineCore({
        profile: spec.profile,
        clock,
        seed: seed * 1000 + i + 1,
        engineId: r.id,
        vllmMetrics: false,
        ...(engineOptions.hashSeed !== undefined ? { hashSeed: engineOptions.hashSeed } : {}),
        ...(engineOptions.externalKv !== undefined ? { externalKv: engineOptions.externalKv } : {}),
        ...(engineOptions.cpuOffload !== undefined ? { cpuOffload: engineOptions.cpuOffload } : {}),
      });
      this.engines.set(r.id, core);
      let seq = 0;
      if (kvEvents !== undefined)
        this.stops.push(
          core.onKvEvents((batch) => {
            const apply = () => {
              const result = kvEvents.applyKvEvents(r.id, ++seq, batch);
              if (result.resyncNeeded) {
                this.kvResyncs++;
                this.firstResyncReason ??= `${r.id}: ${result.reason ?? 'unknown'}`;
              }
            };
            if (timing.kvEventDelayMs <= 0) apply();
            else clock.setTimer(timing.kvEventDelayMs, apply);
          }),
        );
      this.snapshots.push({
        id: r.id,
        role: r.role,
        models: [core.model],
        load: core.load(),
        loadReportedAtMs: clock.now(),
        healthy: true,
        address: r.id,
      });
      // Stagger the report phases over one interval.
      const phase = (timing.loadReportIntervalMs * (i + 0.5)) / spec.replicas.length;
      this.scheduleReport(i, phase);
    });
    this.model = this.engines.values().next().value!.model;
  }

  engine(id: string): SimEngineCore {
    const core = this.engines.get(id);
    if (core === undefined) throw new Error(`no replica ${id} in the fleet`);
    return core;
  }

  /** Stops load reports (the run is over) so the clock can drain. */
  stop(): void {
    this.stopped = true;
    for (const s of this.stops) s();
    for (const c of this.reportCancels) c();
    this.stops.length = 0;
  }

  get engineSteps(): number {
    let n = 0;
    for (const e of this.engines.values()) n += e.steps;
    return n;
  }

  private scheduleReport(index: number, delayMs: number): void {
    this.reportCancels[index] = this.clock.setTimer(delayMs, () => {
      if (this.stopped) return;
      const prev = this.snapshots[index]!;
      this.snapshots[index] = { ...prev, load: this.engine(prev.id).load(), loadReportedAtMs: this.clock.now() };
      this.scheduleReport(index, this.timing.loadReportIntervalMs);
    });
  }
}
