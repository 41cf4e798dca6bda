// A progress bar on stderr: redrawn in place on a terminal, a line per finished unit otherwise (CI logs).
// Units may run concurrently (one per worker thread): each reports its own fraction under its own key.
export class Progress {
  private done = 0;
  private lastDraw = 0;
  private readonly tty: boolean;
  /** Fraction done of each unit in flight, by key. */
  private readonly running = new Map<string, number>();

  constructor(
    private readonly totalUnits: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly enabled = true,
  ) {
    this.tty = stream.isTTY === true;
  }

  /** Progress within the unit `key`, fraction in [0,1]; `label` says what it is doing (default: the key). */
  update(key: string, fraction: number, label: string = key): void {
    this.running.set(key, Math.min(1, fraction));
    if (!this.enabled || !this.tty) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && fraction < 1) return;
    this.lastDraw = now;
    let inFlight = 0;
    for (const f of this.running.values()) inFlight += f;
    const overall = Math.min(1, (this.done + inFlight) / this.totalUnits);
    const width = 30;
    const filled = Math.round(overall * width);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    const what = this.running.size > 1 ? `${label} (+${this.running.size - 1} more)` : label;
    this.stream.write(`\r[${bar}] ${(overall * 100).toFixed(0).padStart(3)}% ${what}`.padEnd(100).slice(0, 120));
  }

  /** Unit `key` finished; `summary` is printed on its own line. */
  unitDone(summary: string, key?: string): void {
    this.done++;
    if (key !== undefined) this.running.delete(key);
    if (!this.enabled) return;
    if (this.tty) this.stream.write('\r' + ' '.repeat(120) + '\r');
    this.stream.write(`[${this.done}/${this.totalUnits}] ${summary}\n`);
  }
}
