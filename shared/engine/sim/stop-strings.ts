/**
 * Incremental stop-string matching as vLLM's detokenizer does it: text is released only when it can no
 * longer be the start of a stop string (the last maxStopLength − 1 characters are held back), and when a
 * stop string appears the text is cut before it.
 */
export class StopStringMatcher {
  private text = '';
  private released = 0;
  private readonly holdBack: number;

  constructor(private readonly stops: readonly string[]) {
    const nonEmpty = stops.filter((s) => s.length > 0);
    this.stops = nonEmpty;
    this.holdBack = nonEmpty.reduce((m, s) => Math.max(m, s.length - 1), 0);
  }

  /** Appends newly decoded text. Returns the text now safe to emit and whether a stop string matched. */
  push(delta: string): { readonly text: string; readonly stopped: boolean } {
    const searchFrom = Math.max(0, this.text.length - this.holdBack);
    this.text += delta;
    let cut = -1;
    for (const stop of this.stops) {
      const i = this.text.indexOf(stop, searchFrom);
      if (i >= 0 && (cut < 0 || i < cut)) cut = i;
    }
    if (cut >= 0) {
      const out = this.text.slice(this.released, Math.max(this.released, cut));
      this.released = Math.max(this.released, cut);
      this.text = this.text.slice(0, this.released);
      return { text: out, stopped: true };
    }
    const safeEnd = Math.max(this.released, this.text.length - this.holdBack);
    const out = this.text.slice(this.released, safeEnd);
    this.released = safeEnd;
    return { text: out, stopped: false };
  }

  /** At a finish without a stop match: the held-back tail. */
  flush(): string {
    const out = this.text.slice(this.released);
    this.released = this.text.length;
    return out;
  }
}
