// The scheduler's waiting room: one FIFO per (priority band, tenant), bands served strictly in order, and
// within a band the tenant with the least service so far goes next: the Virtual Token Counter (VTC) of
// Sheng et al., "Fairness in Serving Large Language Models" (OSDI'24, Algorithm 2). A tenant's counter
// grows by the tokens it is served, input tokens at weight 1 and output tokens at weight 2 (the weights of
// the paper's evaluation: decode costs more per token than prefill); a tenant that becomes backlogged is
// lifted to the least counter of the tenants already waiting, so idling earns it no credit.
//
// Hand-written, not a heap package: a dispatch scans the backlogged tenants of one band (a handful to a
// few hundred) for the least counter, which costs less than keeping a heap keyed by counters that change
// on every dispatch and completion.
import { PRIORITY_ORDER, type FlowKey } from './priority.js';

/** VTC weights per token (Sheng et al., OSDI'24, §5: wp = 1, wq = 2). */
export const VTC_INPUT_WEIGHT = 1;
export const VTC_OUTPUT_WEIGHT = 2;

/** Counters of idle tenants kept per band before they are forgotten (bounds memory under many tenants). */
const MAX_IDLE_COUNTERS = 4096;

export interface QueueEntry<T> {
  readonly id: string;
  readonly flow: FlowKey;
  /** 0 = critical (PRIORITY_ORDER index). */
  readonly band: number;
  /** Prompt tokens, charged to the tenant's counter at dispatch. */
  readonly inputTokens: number;
  /** Output tokens expected (max_tokens), charged at dispatch and corrected by settle() at completion. */
  readonly outputTokens: number;
  /** ms, clock of the caller. */
  readonly enqueuedAtMs: number;
  /** ms: rejected if still queued then. */
  readonly deadlineMs: number;
  readonly payload: T;
}

interface Slot<T> {
  readonly entry: QueueEntry<T>;
  removed: boolean;
}

/** One tenant's FIFO in one band; removed slots are skipped (and dropped when they reach the head). */
class TenantFifo<T> {
  private slots: Array<Slot<T>> = [];
  private head = 0;
  live = 0;

  push(slot: Slot<T>): void {
    this.slots.push(slot);
    this.live++;
  }

  /** Oldest live slot. */
  first(): Slot<T> | undefined {
    while (this.head < this.slots.length && this.slots[this.head]!.removed) this.head++;
    if (this.head > 64 && this.head * 2 > this.slots.length) {
      this.slots = this.slots.slice(this.head);
      this.head = 0;
    }
    return this.slots[this.head];
  }

  /** Newest live slot. */
  last(): Slot<T> | undefined {
    for (let i = this.slots.length - 1; i >= this.head; i--) if (!this.slots[i]!.removed) return this.slots[i];
    return undefined;
  }

  *liveSlots(): Iterable<Slot<T>> {
    for (let i = this.head; i < this.slots.length; i++) if (!this.slots[i]!.removed) yield this.slots[i]!;
  }
}

class Band<T> {
  readonly tenants = new Map<string, TenantFifo<T>>();
  /** VTC per tenant of this band: tokens served (weighted). */
  readonly counters = new Map<string, number>();
  lastServed: string | undefined;
  live = 0;
}

export class FairQueue<T> {
  private readonly bands: Array<Band<T>> = PRIORITY_ORDER.map(() => new Band<T>());
  private readonly byId = new Map<string, Slot<T>>();

  /** fcfs: one arrival order across the tenants of a band instead of VTC (llm-d's default global-strict fairness). */
  constructor(private readonly fcfs = false) {}

  get size(): number {
    return this.byId.size;
  }

  /** Queued entries of one band. */
  sizeOf(band: number): number {
    return this.bands[band]?.live ?? 0;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  push(entry: QueueEntry<T>): void {
    if (this.byId.has(entry.id)) throw new Error(`request ${entry.id} is already queued`);
    const band = this.bands[entry.band];
    if (band === undefined) throw new RangeError(`no priority band ${entry.band}`);
    const tenant = entry.flow.tenant;
    let fifo = band.tenants.get(tenant);
    if (fifo === undefined) band.tenants.set(tenant, (fifo = new TenantFifo<T>()));
    if (fifo.live === 0) {
      // VTC's lift: a tenant that starts waiting gets at least the least counter of those already waiting
      // (or of the tenant served last, when nobody waits), so the service it did not ask for is not owed to it.
      let floor = Infinity;
      for (const [t, f] of band.tenants) if (f.live > 0 && t !== tenant) floor = Math.min(floor, band.counters.get(t) ?? 0);
      if (floor === Infinity) floor = band.lastServed !== undefined ? (band.counters.get(band.lastServed) ?? 0) : 0;
      band.counters.set(tenant, Math.max(band.counters.get(tenant) ?? 0, floor));
    }
    const slot: Slot<T> = { entry, removed: false };
    fifo.push(slot);
    band.live++;
    this.byId.set(entry.id, slot);
  }

  /** What dispatch would take next: the highest band's least-served tenant's oldest entry. */
  peek(): QueueEntry<T> | undefined {
    for (const band of this.bands) {
      if (band.live === 0) continue;
      let best: Slot<T> | undefined;
      let bestCounter = Infinity;
      for (const [tenant, fifo] of band.tenants) {
        if (fifo.live === 0) continue;
        const head = fifo.first()!;
        const c = this.fcfs ? 0 : (band.counters.get(tenant) ?? 0);
        if (c < bestCounter || (c === bestCounter && head.entry.enqueuedAtMs < best!.entry.enqueuedAtMs)) {
          best = head;
          bestCounter = c;
        }
      }
      return best?.entry;
    }
    return undefined;
  }

  /** Removes an entry to dispatch it, charging its tokens to its tenant's counter. */
  dispatch(id: string): QueueEntry<T> | undefined {
    const entry = this.remove(id);
    if (entry === undefined) return undefined;
    this.charge(entry.band, entry.flow.tenant, entry.inputTokens, entry.outputTokens);
    return entry;
  }

  /**
   * A dispatched request finished with `actualOutputTokens` where `expectedOutputTokens` were charged:
   * its tenant's counter is corrected (a request stopped early gives its unused output back).
   */
  settle(band: number, tenant: string, expectedOutputTokens: number, actualOutputTokens: number): void {
    this.addTokens(band, tenant, VTC_OUTPUT_WEIGHT * (actualOutputTokens - expectedOutputTokens));
  }

  /** Charges a request served without waiting (it was never queued) to its tenant's counter. */
  charge(band: number, tenant: string, inputTokens: number, outputTokens: number): void {
    this.addTokens(band, tenant, VTC_INPUT_WEIGHT * inputTokens + VTC_OUTPUT_WEIGHT * outputTokens);
    const b = this.bands[band];
    if (b !== undefined) b.lastServed = tenant;
  }

  /** Removes an entry without service (expired, shed, cancelled). */
  remove(id: string): QueueEntry<T> | undefined {
    const slot = this.byId.get(id);
    if (slot === undefined) return undefined;
    this.byId.delete(id);
    slot.removed = true;
    const band = this.bands[slot.entry.band]!;
    band.live--;
    const fifo = band.tenants.get(slot.entry.flow.tenant)!;
    if (--fifo.live === 0) band.tenants.delete(slot.entry.flow.tenant);
    if (band.counters.size > MAX_IDLE_COUNTERS) this.forgetIdle(band);
    return slot.entry;
  }

  /**
   * Which entry to shed to make room for one of band `forBand`: from the lowest band strictly below it,
   * the newest entry of the tenant with the most service so far. undefined when no lower work waits.
   */
  shedCandidate(forBand: number): QueueEntry<T> | undefined {
    for (let b = this.bands.length - 1; b > forBand; b--) {
      const band = this.bands[b]!;
      if (band.live === 0) continue;
      let victim: Slot<T> | undefined;
      let most = -Infinity;
      for (const [tenant, fifo] of band.tenants) {
        if (fifo.live === 0) continue;
        const c = band.counters.get(tenant) ?? 0;
        if (c > most) {
          most = c;
          victim = fifo.last();
        }
      }
      return victim?.entry;
    }
    return undefined;
  }

  /** Every queued entry (any order). */
  *entries(): Iterable<QueueEntry<T>> {
    for (const slot of this.byId.values()) yield slot.entry;
  }

  /** A tenant's counter in a band (tests, metrics). */
  counter(band: number, tenant: string): number {
    return this.bands[band]?.counters.get(tenant) ?? 0;
  }

  /** Tenants with queued work in a band. */
  backlogged(band: number): string[] {
    const b = this.bands[band];
    if (b === undefined) return [];
    return [...b.tenants].filter(([, f]) => f.live > 0).map(([t]) => t);
  }

  /**
   * Bounds memory under many tenants: drops the counters of tenants that wait for nothing (but the one
   * served last). Such a tenant restarts from the lift when it comes back, as if it had been idle.
   */
  private forgetIdle(band: Band<T>): void {
    for (const tenant of band.counters.keys()) if (!band.tenants.has(tenant) && tenant !== band.lastServed) band.counters.delete(tenant);
  }

  private addTokens(band: number, tenant: string, tokens: number): void {
    const counters = this.bands[band]?.counters;
    if (counters === undefined) return;
    counters.set(tenant, Math.max(0, (counters.get(tenant) ?? 0) + tokens));
  }
}
