// A growable Float32Array: millions of inter-token gaps without a boxed number each.
export class SampleBuffer {
  private data = new Float32Array(1024);
  private n = 0;

  push(x: number): void {
    if (this.n === this.data.length) {
      const next = new Float32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = x;
  }

  get length(): number {
    return this.n;
  }

  /** The samples, trimmed (a copy). */
  toArray(): Float32Array {
    return this.data.slice(0, this.n);
  }
}
