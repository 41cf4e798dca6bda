// Session id -> the worker the session last went to, bounded LRU. Used when a request carries
// x-session-id but not x-atc-worker (the ingress did not pin it).

export class SessionTable {
  readonly capacity: number;
  private readonly sessions = new Map<string, string>();

  constructor(options: { capacity?: number } = {}) {
    this.capacity = options.capacity ?? 100_000;
    if (!Number.isInteger(this.capacity) || this.capacity < 1)
      throw new RangeError(`capacity must be an integer ≥ 1, got ${this.capacity}`);
  }

  record(sessionId: string, workerId: string): void {
    this.sessions.delete(sessionId);
    this.sessions.set(sessionId, workerId);
    if (this.sessions.size > this.capacity) {
      const oldest = this.sessions.keys().next();
      if (!oldest.done) this.sessions.delete(oldest.value);
    }
  }

  workerOf(sessionId: string): string | undefined {
    return this.sessions.get(sessionId);
  }

  get size(): number {
    return this.sessions.size;
  }
}
