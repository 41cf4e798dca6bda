// A progress bar on stderr: redrawn in place on a terminal, a line per finished unit otherwise (CI logs).
export class Progress {
  private done = 0;
  private lastDraw = 0;
  private readonly tty: boolean;

  constructor(
    private readonly totalUnits: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly enabled = true,
  ) {
    this.tty = stream.isTTY === true;
  }

  /** Progress within the current unit, fraction in [0,1]. */
  update(label: string, fraction: number): void {
    if (!this.enabled || !this.tty) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && fraction < 1) return;
    this.lastDraw = now;
    const overall = (this.done + Math.min(1, fraction)) / this.totalUnits;
    const width = 30;
    const filled = Math.round(overall * width);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    this.stream.write(`\r[${bar}] ${(overall * 100).toFixed(0).padStart(3)}% ${label}`.padEnd(100).slice(0, 120));
  }

  /** One unit finished; `summary` is printed on its own line. */
  unitDone(summary: string): void {
    this.done++;
    if (!this.enabled) return;
    if (this.tty) this.stream.write('\r' + ' '.repeat(120) + '\r');
    this.stream.write(`[${this.done}/${this.totalUnits}] ${summary}\n`);
  }
}
