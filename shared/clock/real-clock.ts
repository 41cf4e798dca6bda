import type { Clock } from './clock.js';

/**
 * Wall-clock time: performance.now() anchored at performance.timeOrigin, so now() is ms since the Unix
 * epoch (what vLLM's KV event timestamps use) yet monotonic and sub-ms precise.
 */
export class RealClock implements Clock {
  now(): number {
    return performance.timeOrigin + performance.now();
  }

  /**
   * A zero delay runs fn at the end of this event-loop turn (setImmediate: after the I/O callbacks of the
   * turn, so work that arrives together still lands together), not on the next timer tick: Node clamps a
   * setTimeout below 1 ms to 1 ms and fires timers on the loop's whole-ms clock, which cost the real-clock
   * engine about 1 ms on every request's admission (path-latency breakdown, BENCHMARKS.md).
   */
  setTimer(delayMs: number, fn: () => void): () => void {
    if (!(delayMs > 0)) {
      const immediate = setImmediate(fn);
      return () => clearImmediate(immediate);
    }
    const handle = setTimeout(fn, delayMs);
    return () => clearTimeout(handle);
  }
}
