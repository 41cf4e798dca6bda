import type { Clock } from './clock.js';
import { TimerHeap, type TimerEntry } from './timer-heap.js';

/**
 * Discrete-event time: now() only moves when run()/runUntil() pops the next due timer, so thousands of
 * simulated requests take as long as their bookkeeping, not their simulated duration. Timers due at the
 * same instant fire in the order they were set.
 */
export class VirtualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly heap = new TimerHeap();
  private live = 0;

  /** @param startMs initial simulated time, ms (default 0). */
  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    if (!Number.isFinite(delayMs)) throw new RangeError(`timer delay must be finite, got ${delayMs}`);
    const entry: TimerEntry = { at: this.time + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.heap.push(entry);
    this.live++;
    return () => {
      if (!entry.cancelled) {
        entry.cancelled = true;
        this.live--;
      }
    };
  }

  /** Timers set and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.live;
  }

  /** Fires the next due timer, advancing now() to its time. Returns false when none is pending. */
  step(): boolean {
    for (;;) {
      const entry = this.heap.pop();
      if (entry === undefined) return false;
      if (entry.cancelled) continue;
      entry.cancelled = true;
      this.live--;
      this.time = entry.at;
      entry.fn();
      return true;
    }
  }

  /**
   * Fires timers until none is left (timers set by fired timers included).
   * @param maxEvents guard against a self-rearming timer; throws when exceeded.
   * @returns the number of timers fired.
   */
  run(maxEvents = Number.POSITIVE_INFINITY): number {
    let fired = 0;
    while (this.step()) {
      if (++fired > maxEvents) throw new Error(`VirtualClock.run: more than ${maxEvents} events`);
    }
    return fired;
  }

  /** Fires every timer due at or before tMs, then sets now() to tMs (if later). Returns timers fired. */
  runUntil(tMs: number): number {
    let fired = 0;
    for (;;) {
      const next = this.heap.peek();
      if (next === undefined || next.at > tMs) break;
      if (next.cancelled) {
        this.heap.pop();
        continue;
      }
      this.step();
      fired++;
    }
    if (tMs > this.time) this.time = tMs;
    return fired;
  }
}
