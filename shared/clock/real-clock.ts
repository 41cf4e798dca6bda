import type { Clock } from './clock.js';

/**
 * Wall-clock time: performance.now() anchored at performance.timeOrigin, so now() is ms since the Unix
 * epoch (what vLLM's KV event timestamps use) yet monotonic and sub-ms precise.
 */
export class RealClock implements Clock {
  now(): number {
    return performance.timeOrigin + performance.now();
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    return () => clearTimeout(handle);
  }
}
