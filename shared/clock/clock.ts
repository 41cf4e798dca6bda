/**
 * A source of time and timers. The engine and anything else that must run both live and in a
 * discrete-event simulation takes a Clock instead of calling Date/performance/setTimeout directly.
 */
export interface Clock {
  /** Current time in ms. RealClock: ms since the Unix epoch (sub-ms precision); VirtualClock: simulated ms. */
  now(): number;
  /** Runs fn once, delayMs (>= 0) from now. Returns a cancel function (idempotent; a no-op after the timer fired). */
  setTimer(delayMs: number, fn: () => void): () => void;
}
