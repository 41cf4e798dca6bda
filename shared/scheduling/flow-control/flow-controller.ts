// Flow control at the scheduler: past saturation a request waits here, by priority band and tenant,
// instead of in an engine's queue, and is dispatched as capacity frees (the owner calls pump() on load
// reports and completions; a timer re-checks while anything waits). The queue is bounded in length and in
// wait; what cannot be admitted in time is rejected with a reason and a Retry-After estimate. Clock-agnostic
// (shared/clock): the live scheduler runs it on the real clock, the routing benchmark in virtual time.
import type { Clock } from '../../clock/index.js';
import { SchedulingHeader, type SchedulingState, type WorkerSnapshot } from '../types.js';
import { DEFAULT_ENGINE_SHARE, type CapacityVerdict, type FleetCapacity } from './admission.js';
import { FairQueue, type QueueEntry } from './fair-queue.js';
import { bandOf, flowOf, PRIORITY_ORDER, type FlowKey } from './priority.js';

/** Why a request was turned away. */
export const RejectReason = {
  /** The queue was full and nothing of lower priority could make room. */
  QueueFull: 'queue_full',
  /** Made room for a request of higher priority. */
  Shed: 'shed',
  /** Waited its longest allowed wait (its budget's queue share, the queue's max wait, or the caller's). */
  QueueTimeout: 'queue_timeout',
  /** No worker serves the model. */
  NoWorker: 'no_worker',
  /** The scheduler is shutting down. */
  Closed: 'closed',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export interface Rejection {
  readonly reason: RejectReason;
  /** 429 for saturation (try again later), 503 when no worker or the scheduler is closing. */
  readonly status: 429 | 503;
  /** ms after which trying again is worth it (the Retry-After a client gets). */
  readonly retryAfterMs: number;
  readonly message: string;
}

export const Fairness = {
  /** Token-weighted fair queueing between tenants (virtual token counter). */
  Vtc: 'vtc',
  /** One arrival order across tenants within a band (llm-d's default global-strict-fairness + fcfs). */
  Fcfs: 'fcfs',
} as const;
export type Fairness = (typeof Fairness)[keyof typeof Fairness];

export interface FlowControlOptions {
  /** Requests queued at most, all bands together (default 1024). */
  readonly maxQueued?: number;
  /** ms a request may wait at most (default 30,000). */
  readonly maxQueueWaitMs?: number;
  /** ms of TTFT budget of a request without x-slo-ttft-ms (default 5,000). */
  readonly defaultTtftBudgetMs?: number;
  /**
   * Budget-aware waiting (default true): a request waits at most its budget's queue share (the part the
   * admission leaves: 60% of it by default), since once that is spent it can no longer meet its TTFT; it is
   * rejected and its capacity goes to requests that still can. false: it waits up to maxQueueWaitMs.
   */
  readonly budgetAwareWait?: boolean;
  /** Share of the budget admission gives the engine (SloCapacity's engineShare; default 0.4). */
  readonly engineShare?: number;
  /** ms between re-checks of capacity while requests wait (default 50). */
  readonly recheckMs?: number;
  readonly fairness?: Fairness;
}

export const FLOW_CONTROL_DEFAULTS: Required<FlowControlOptions> = {
  maxQueued: 1024,
  maxQueueWaitMs: 30_000,
  defaultTtftBudgetMs: 5_000,
  budgetAwareWait: true,
  engineShare: DEFAULT_ENGINE_SHARE,
  recheckMs: 50,
  fairness: Fairness.Vtc,
};

export interface FlowRequest<T> {
  readonly id: string;
  readonly model: string;
  /** Lower-case request headers (x-atc-priority, x-atc-tenant, x-slo-ttft-ms). */
  readonly headers: Readonly<Record<string, string>>;
  readonly promptTokens: number;
  readonly maxTokens: number;
  /** ms the caller waits for an answer at most; 0: admit now or reject, never queue (default: no limit of its own). */
  readonly maxQueueMs?: number;
  readonly payload: T;
}

/** What the owner does with a request the flow controller lets through or turns away. */
export interface FlowHandlers<T> {
  /** Dispatch now (decide and answer); waitedMs: time it spent queued. */
  admit(request: QueuedRequest<T>, waitedMs: number): void;
  reject(request: QueuedRequest<T>, rejection: Rejection, waitedMs: number): void;
}

export type QueuedRequest<T> = QueueEntry<T> & { readonly model: string; readonly ttftBudgetMs: number };

/** The fleet as the owner sees it now: worker snapshots and the scheduling state (in-flight ledger). */
export type FleetView = () => { readonly workers: readonly WorkerSnapshot[]; readonly state: SchedulingState };

/** ms a Retry-After never goes below or above. */
const RETRY_AFTER_MIN_MS = 1_000;
const RETRY_AFTER_MAX_MS = 60_000;
/** ms of dispatch history the Retry-After estimate reads. */
const RATE_WINDOW_MS = 10_000;
/** Dispatched requests remembered for their completion's fairness correction, at most. */
const MAX_SETTLE_ENTRIES = 100_000;

export function ttftBudgetOf(headers: Readonly<Record<string, string>>, defaultMs: number): number {
  const v = Number(headers[SchedulingHeader.SloTtftMs]);
  return Number.isFinite(v) && v > 0 ? v : defaultMs;
}

export class FlowController<T> {
  readonly options: Required<FlowControlOptions>;
  private readonly queue: FairQueue<QueuedRequest<T>>;
  private cancelTimer: (() => void) | undefined;
  private timerAtMs = Infinity;
  /** Times (ms) of recent dispatches, oldest first. */
  private readonly dispatchTimes: number[] = [];
  private readonly settling = new Map<string, { band: number; tenant: string; outputTokens: number }>();
  private pumping = false;
  private closed = false;

  constructor(
    readonly capacity: FleetCapacity,
    private readonly clock: Clock,
    private readonly fleet: FleetView,
    private readonly handlers: FlowHandlers<T>,
    options: FlowControlOptions = {},
  ) {
    this.options = { ...FLOW_CONTROL_DEFAULTS, ...options };
    const o = this.options;
    if (!Number.isInteger(o.maxQueued) || o.maxQueued < 0) throw new RangeError(`maxQueued must be an integer ≥ 0, got ${o.maxQueued}`);
    if (!(o.maxQueueWaitMs >= 0)) throw new RangeError(`maxQueueWaitMs must be ≥ 0, got ${o.maxQueueWaitMs}`);
    if (!(o.defaultTtftBudgetMs > 0)) throw new RangeError(`defaultTtftBudgetMs must be > 0, got ${o.defaultTtftBudgetMs}`);
    if (!(o.recheckMs > 0)) throw new RangeError(`recheckMs must be > 0, got ${o.recheckMs}`);
    this.queue = new FairQueue<QueuedRequest<T>>(o.fairness === Fairness.Fcfs);
  }

  get queued(): number {
    return this.queue.size;
  }

  /** Queued requests by priority and tenant (metrics). */
  queuedByFlow(): Array<FlowKey & { count: number }> {
    const counts = new Map<string, FlowKey & { count: number }>();
    for (const e of this.queue.entries()) {
      const key = `${e.flow.priority}\u0000${e.flow.tenant}`;
      const c = counts.get(key);
      if (c) c.count++;
      else counts.set(key, { ...e.flow, count: 1 });
    }
    return [...counts.values()];
  }

  /**
   * Admits the request now, queues it, or rejects it; the handlers hear which (possibly before this
   * returns). Throws InvalidPriorityError on a bad x-atc-priority, before anything changes.
   */
  submit(request: FlowRequest<T>): void {
    const flow = flowOf(request.headers);
    const now = this.clock.now();
    const budget = ttftBudgetOf(request.headers, this.options.defaultTtftBudgetMs);
    const entry: QueuedRequest<T> = {
      id: request.id,
      flow,
      band: bandOf(flow.priority),
      inputTokens: request.promptTokens,
      outputTokens: request.maxTokens,
      enqueuedAtMs: now,
      deadlineMs: now + this.maxWaitMs(budget, request.maxQueueMs),
      model: request.model,
      ttftBudgetMs: budget,
      payload: request.payload,
    };
    if (this.closed) return this.reject(entry, RejectReason.Closed, 'the scheduler is shutting down');
    // Nothing of its band or above waits: it may go at once, ahead of lower-priority work.
    if (!this.waitsAtOrAbove(entry.band)) {
      const verdict = this.assess(entry);
      if (verdict.kind === 'no-worker')
        return this.reject(entry, RejectReason.NoWorker, `no worker serves model ${JSON.stringify(request.model)}`);
      if (verdict.kind === 'admit') return this.dispatch(entry, now);
    } else if (this.assess(entry).kind === 'no-worker') {
      return this.reject(entry, RejectReason.NoWorker, `no worker serves model ${JSON.stringify(request.model)}`);
    }
    if (entry.deadlineMs <= now)
      return this.reject(entry, RejectReason.QueueTimeout, 'the fleet is saturated and the request may not wait');
    if (this.queue.size >= this.options.maxQueued) {
      const victim = this.queue.shedCandidate(entry.band);
      if (victim === undefined)
        return this.reject(entry, RejectReason.QueueFull, `the scheduler's queue is full (${this.options.maxQueued} requests)`);
      this.queue.remove(victim.id);
      this.reject(victim.payload, RejectReason.Shed, `shed for a request of higher priority (${flow.priority})`);
    }
    this.queue.push({ ...entry, payload: entry });
    this.pump();
  }

  /**
   * Dispatches what capacity allows, in band, fairness and arrival order; stops at the first request the
   * fleet cannot take (strict priority: lower work never overtakes it). Call on load reports and completions.
   */
  pump(): void {
    if (this.pumping) return; // a handler's decision re-entered: the outer loop goes on
    this.pumping = true;
    try {
      const now = this.clock.now();
      this.expire(now);
      for (;;) {
        const next = this.queue.peek();
        if (next === undefined) break;
        const entry = next.payload;
        const verdict = this.assess(entry);
        if (verdict.kind === 'saturated') break;
        this.queue.dispatch(entry.id);
        if (verdict.kind === 'no-worker')
          this.reject(entry, RejectReason.NoWorker, `no worker serves model ${JSON.stringify(entry.model)}`);
        else this.dispatch(entry, now, true);
      }
    } finally {
      this.pumping = false;
    }
    this.arm();
  }

  /** The caller gave up on a queued request (client gone): forget it without an answer. */
  cancel(id: string): boolean {
    const removed = this.queue.remove(id) !== undefined;
    if (removed) this.arm();
    return removed;
  }

  /** A dispatched request finished having generated `outputTokens`: corrects its tenant's fairness counter. */
  completed(id: string, outputTokens: number): void {
    const s = this.settling.get(id);
    if (s === undefined) return;
    this.settling.delete(id);
    this.queue.settle(s.band, s.tenant, s.outputTokens, outputTokens);
  }

  /** Rejects everything queued (503) and stops the timer; later submissions are rejected. Idempotent. */
  close(): void {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    for (const e of [...this.queue.entries()]) {
      this.queue.remove(e.id);
      this.reject(e.payload, RejectReason.Closed, 'the scheduler is shutting down');
    }
  }

  /** Tenants with queued work in a band. */
  backloggedTenants(band: number): string[] {
    return this.queue.backlogged(band);
  }

  /** A tenant's fairness counter in a band (tests). */
  counter(priority: FlowKey['priority'], tenant: string): number {
    return this.queue.counter(bandOf(priority), tenant);
  }

  private maxWaitMs(budgetMs: number, callerMs: number | undefined): number {
    let ms = this.options.maxQueueWaitMs;
    if (this.options.budgetAwareWait) ms = Math.min(ms, budgetMs * (1 - this.options.engineShare));
    if (callerMs !== undefined) ms = Math.min(ms, callerMs);
    return Math.max(0, ms);
  }

  private assess(entry: QueuedRequest<T>): CapacityVerdict {
    const { workers, state } = this.fleet();
    return this.capacity.assess(
      { model: entry.model, promptTokens: entry.inputTokens, ttftBudgetMs: entry.ttftBudgetMs },
      workers,
      state,
      this.clock.now(),
    );
  }

  private waitsAtOrAbove(band: number): boolean {
    for (let b = 0; b <= band; b++) if (this.queue.sizeOf(b) > 0) return true;
    return false;
  }

  private dispatch(entry: QueuedRequest<T>, now: number, fromQueue = false): void {
    if (!fromQueue) this.queue.charge(entry.band, entry.flow.tenant, entry.inputTokens, entry.outputTokens);
    this.capacity.dispatched?.({ model: entry.model, promptTokens: entry.inputTokens, ttftBudgetMs: entry.ttftBudgetMs });
    this.dispatchTimes.push(now);
    while (this.dispatchTimes.length > 0 && this.dispatchTimes[0]! < now - RATE_WINDOW_MS) this.dispatchTimes.shift();
    this.settling.set(entry.id, { band: entry.band, tenant: entry.flow.tenant, outputTokens: entry.outputTokens });
    if (this.settling.size > MAX_SETTLE_ENTRIES) this.settling.delete(this.settling.keys().next().value!);
    this.handlers.admit(entry, now - entry.enqueuedAtMs);
  }

  /**
   * Rejects what waited too long. Lower-priority work is shed first: before a request of one band times
   * out, every request of the bands below it is rejected (they could only have gone after it).
   */
  private expire(now: number): void {
    const expired = [...this.queue.entries()]
      .filter((e) => e.deadlineMs <= now)
      .sort((a, b) => a.band - b.band || a.deadlineMs - b.deadlineMs);
    if (expired.length === 0) return;
    const top = expired[0]!.band;
    for (let b = PRIORITY_ORDER.length - 1; b > top; b--)
      for (const e of [...this.queue.entries()].filter((x) => x.band === b)) {
        this.queue.remove(e.id);
        this.reject(e.payload, RejectReason.Shed, `shed: ${PRIORITY_ORDER[top]} requests are timing out in the queue`);
      }
    for (const e of expired) {
      if (this.queue.remove(e.id) === undefined) continue;
      this.reject(
        e.payload,
        RejectReason.QueueTimeout,
        `waited ${Math.round(now - e.enqueuedAtMs)} ms in the scheduler's queue without capacity to serve it in time`,
      );
    }
  }

  private reject(entry: QueuedRequest<T>, reason: RejectReason, message: string): void {
    const status = reason === RejectReason.NoWorker || reason === RejectReason.Closed ? 503 : 429;
    this.handlers.reject(
      entry,
      { reason, status, retryAfterMs: this.retryAfterMs(entry.band), message },
      this.clock.now() - entry.enqueuedAtMs,
    );
  }

  /** ms until the queue ahead of a band would drain at the recent dispatch rate, within [1 s, 60 s]. */
  private retryAfterMs(band: number): number {
    let ahead = 1;
    for (let b = 0; b <= band; b++) ahead += this.queue.sizeOf(b);
    const perMs = this.dispatchTimes.length / RATE_WINDOW_MS;
    const ms = perMs > 0 ? ahead / perMs : RETRY_AFTER_MAX_MS;
    return Math.min(RETRY_AFTER_MAX_MS, Math.max(RETRY_AFTER_MIN_MS, Math.ceil(ms / 1000) * 1000));
  }

  /** Keeps one timer while anything waits: at the next deadline or the re-check interval, whichever is first. */
  private arm(): void {
    if (this.queue.size === 0 || this.closed) {
      this.cancelTimer?.();
      this.cancelTimer = undefined;
      this.timerAtMs = Infinity;
      return;
    }
    const now = this.clock.now();
    let at = now + this.options.recheckMs;
    for (const e of this.queue.entries()) at = Math.min(at, e.deadlineMs);
    if (this.cancelTimer !== undefined && this.timerAtMs <= at) return;
    this.cancelTimer?.();
    this.timerAtMs = at;
    this.cancelTimer = this.clock.setTimer(Math.max(0, at - now), () => {
      this.cancelTimer = undefined;
      this.timerAtMs = Infinity;
      this.pump();
    });
  }
}
