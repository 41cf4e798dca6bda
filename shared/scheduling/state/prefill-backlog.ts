// A fluid-queue estimate of the prefill work this scheduler handed to each prefill worker and that is not
// done yet: each split adds its tokens; the backlog drains at the rate the caller gives (the worker's
// prefill throughput). Prefill workers are not in the InflightLedger (the decode worker is the request's
// owner there), and their load reports lag by up to one report interval, so the split decision keeps its
// own estimate. Units: tokens, tokens/s and ms on the scheduler's clock.

export class PrefillBacklog {
  private readonly backlog = new Map<string, { tokens: number; atMs: number }>();

  /** Tokens still to prefill on the worker at nowMs, draining at tokensPerS (0 when drained or unknown). */
  tokensAt(workerId: string, nowMs: number, tokensPerS: number): number {
    const b = this.backlog.get(workerId);
    if (!b) return 0;
    const drained = (Math.max(0, nowMs - b.atMs) * tokensPerS) / 1000;
    return Math.max(0, b.tokens - drained);
  }

  /** A prefill of `tokens` was sent to the worker at nowMs. */
  add(workerId: string, tokens: number, nowMs: number, tokensPerS: number): void {
    this.backlog.set(workerId, { tokens: this.tokensAt(workerId, nowMs, tokensPerS) + Math.max(0, tokens), atMs: nowMs });
  }

  removeWorker(workerId: string): void {
    this.backlog.delete(workerId);
  }
}
