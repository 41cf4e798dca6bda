// Requests and tokens this scheduler assigned to each worker and has not yet seen finish. Load reports lag
// (they arrive every few hundred ms); the ledger covers the gap, so a burst is not all sent to the worker
// that looked idle in its last report.

export interface InflightTotals {
  readonly requests: number;
  /** tokens of prompts assigned, not yet finished. */
  readonly promptTokens: number;
  /** Uncached prompt tokens the worker still has to prefill (until markPrefilled or finish). */
  readonly pendingPrefillTokens: number;
  /** Upper bound on tokens still to be generated (sum of maxTokens). */
  readonly maxNewTokens: number;
}

interface Entry {
  readonly workerId: string;
  readonly promptTokens: number;
  /** Prefill tokens this worker computes for the request. */
  readonly pendingTokens: number;
  readonly maxTokens: number;
  readonly assignedAtMs: number;
  prefilled: boolean;
}

interface MutableTotals {
  requests: number;
  promptTokens: number;
  pendingPrefillTokens: number;
  maxNewTokens: number;
}

/** ms of assignment times kept per worker (longer than any load-report interval a router uses: smg polls every 10 s). */
const RECENT_ASSIGNMENT_WINDOW_MS = 60_000;

/** Drops the leading entries of an ascending array that are below `min` (amortised: at most once per half). */
function trimBefore(times: number[], min: number): void {
  if (times[0]! >= min) return;
  let k = 0;
  while (k < times.length && times[k]! < min) k++;
  if (k >= times.length / 2 || k > 1024) times.splice(0, k);
}

const ZERO: InflightTotals = { requests: 0, promptTokens: 0, pendingPrefillTokens: 0, maxNewTokens: 0 };

export class InflightLedger {
  /** ms after which an entry whose finish was never seen is dropped (a lost completion message). */
  readonly ttlMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly totals = new Map<string, MutableTotals>();
  /** Per worker: times (ms) of recent assignments, oldest first, for dispatchedSince. */
  private readonly recentAssignments = new Map<string, number[]>();
  private lastExpiryMs = -Infinity;

  constructor(options: { ttlMs?: number } = {}) {
    this.ttlMs = options.ttlMs ?? 600_000;
    if (!(this.ttlMs > 0)) throw new RangeError(`ttlMs must be > 0, got ${this.ttlMs}`);
  }

  /**
   * Records a request sent to a worker. uncachedTokens (default: all of promptTokens) is the prefill work
   * the worker must do: prompt tokens not in its prefix cache, 0 when a prefill worker computes them.
   */
  assign(
    workerId: string,
    requestId: string,
    promptTokens: number,
    maxTokens: number,
    nowMs: number,
    uncachedTokens: number = promptTokens,
  ): void {
    this.finish(requestId); // re-assignment (retry elsewhere) replaces the old entry
    this.expire(nowMs);
    const pending = Math.max(0, Math.min(uncachedTokens, promptTokens));
    this.entries.set(requestId, { workerId, promptTokens, pendingTokens: pending, maxTokens, assignedAtMs: nowMs, prefilled: false });
    const recent = this.recentAssignments.get(workerId);
    if (recent === undefined) this.recentAssignments.set(workerId, [nowMs]);
    else {
      recent.push(nowMs);
      trimBefore(recent, nowMs - RECENT_ASSIGNMENT_WINDOW_MS);
    }
    const t = this.totalsOf(workerId);
    t.requests++;
    t.promptTokens += promptTokens;
    t.pendingPrefillTokens += pending;
    t.maxNewTokens += maxTokens;
  }

  /** The worker and the prefill tokens of a request in flight not yet prefilled; undefined otherwise. */
  pendingOf(requestId: string): { readonly workerId: string; readonly pendingTokens: number } | undefined {
    const e = this.entries.get(requestId);
    return e === undefined || e.prefilled ? undefined : e;
  }

  /** The first token was seen: the prompt no longer costs prefill work. */
  markPrefilled(requestId: string): void {
    const e = this.entries.get(requestId);
    if (!e || e.prefilled) return;
    e.prefilled = true;
    this.totalsOf(e.workerId).pendingPrefillTokens -= e.pendingTokens;
  }

  /** Idempotent; unknown ids are ignored. */
  finish(requestId: string): void {
    const e = this.entries.get(requestId);
    if (!e) return;
    this.entries.delete(requestId);
    const t = this.totalsOf(e.workerId);
    t.requests--;
    t.promptTokens -= e.promptTokens;
    if (!e.prefilled) t.pendingPrefillTokens -= e.pendingTokens;
    t.maxNewTokens -= e.maxTokens;
    if (t.requests === 0) this.totals.delete(e.workerId);
  }

  /** Drops entries older than ttlMs. Runs at most once per ttlMs/10 of clock time (amortised). */
  expire(nowMs: number): void {
    if (nowMs - this.lastExpiryMs < this.ttlMs / 10) return;
    this.lastExpiryMs = nowMs;
    // Map iteration is in insertion order, so the oldest entries come first.
    for (const [id, e] of this.entries) {
      if (nowMs - e.assignedAtMs < this.ttlMs) break;
      this.finish(id);
      this.onExpired?.(id);
    }
  }

  /** Called for each request dropped by expire(): state kept per request elsewhere goes with it. */
  onExpired: ((requestId: string) => void) | undefined;

  /** Forgets a worker's entries (worker gone). */
  removeWorker(workerId: string): void {
    this.recentAssignments.delete(workerId);
    for (const [id, e] of this.entries) if (e.workerId === workerId) this.finish(id);
  }

  /**
   * Requests assigned to the worker at or after sinceMs (finished ones included), looking back at most
   * RECENT_ASSIGNMENT_WINDOW_MS: what a router adds to a load report that is sinceMs old.
   */
  dispatchedSince(workerId: string, sinceMs: number): number {
    const recent = this.recentAssignments.get(workerId);
    if (recent === undefined) return 0;
    let lo = 0;
    let hi = recent.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (recent[mid]! < sinceMs) lo = mid + 1;
      else hi = mid;
    }
    return recent.length - lo;
  }

  totalsFor(workerId: string): InflightTotals {
    return this.totals.get(workerId) ?? ZERO;
  }

  workerOf(requestId: string): string | undefined {
    return this.entries.get(requestId)?.workerId;
  }

  get size(): number {
    return this.entries.size;
  }

  private totalsOf(workerId: string): MutableTotals {
    let t = this.totals.get(workerId);
    if (!t) {
      t = { requests: 0, promptTokens: 0, pendingPrefillTokens: 0, maxNewTokens: 0 };
      this.totals.set(workerId, t);
    }
    return t;
  }
}
