// Online per-worker latency models, fed by completions, read by the predicted-latency scorer.
//   TTFT (ms) ≈ θ·[1, uncachedTokens/1000, waiting, running, inflightPromptTokens/1000]
//   TPOT (ms) ≈ θ·[1, running]            (decode step time grows ~linearly with batch size)
// fitted by recursive least squares with exponential forgetting, so a model follows a worker whose
// behaviour drifts (other tenants, a new engine version). O(d²) per observation, d ≤ 5.

/** One finished request, with the worker state at the moment it was dispatched. */
export interface LatencyObservation {
  readonly workerId: string;
  /** Prompt tokens the worker had to compute (not from its prefix cache). */
  readonly uncachedTokens: number;
  readonly waitingRequests: number;
  readonly runningRequests: number;
  /** tokens of prompts assigned to the worker and not finished, at dispatch (InflightLedger). */
  readonly inflightPromptTokens: number;
  /** ms from dispatch to first token. */
  readonly ttftMs: number;
  /** mean ms per output token after the first; omit when fewer than 2 tokens were generated. */
  readonly tpotMs?: number;
}

export interface TtftFeatures {
  readonly uncachedTokens: number;
  readonly waitingRequests: number;
  readonly runningRequests: number;
  readonly inflightPromptTokens: number;
}

/** Recursive least squares, y ≈ θ·x, with forgetting factor λ (1 = never forget). */
export class RecursiveLeastSquares {
  readonly theta: Float64Array;
  private readonly p: Float64Array;
  private readonly px: Float64Array;
  samples = 0;

  constructor(
    readonly dim: number,
    private readonly lambda: number,
    /** Initial covariance scale: large = trust the first observations. */
    delta = 1000,
  ) {
    this.theta = new Float64Array(dim);
    this.p = new Float64Array(dim * dim);
    this.px = new Float64Array(dim);
    for (let i = 0; i < dim; i++) this.p[i * dim + i] = delta;
  }

  predict(x: ArrayLike<number>): number {
    let y = 0;
    for (let i = 0; i < this.dim; i++) y += this.theta[i]! * x[i]!;
    return y;
  }

  update(x: ArrayLike<number>, y: number): void {
    const d = this.dim;
    const { p, px, theta } = this;
    let denom = this.lambda;
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += p[i * d + j]! * x[j]!;
      px[i] = s;
      denom += x[i]! * s;
    }
    const err = y - this.predict(x);
    for (let i = 0; i < d; i++) theta[i] = theta[i]! + (px[i]! / denom) * err;
    // P = (P - (Px)(Px)ᵀ/denom) / λ ; P is symmetric so xᵀP = (Px)ᵀ.
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) p[i * d + j] = (p[i * d + j]! - (px[i]! * px[j]!) / denom) / this.lambda;
    this.samples++;
  }
}

interface WorkerModels {
  readonly ttft: RecursiveLeastSquares;
  readonly tpot: RecursiveLeastSquares;
}

export class LatencyPredictor {
  /** Observations a worker's model needs before its predictions are used. */
  readonly minSamples: number;
  /** RLS forgetting factor in (0,1]: 0.99 ≈ a memory of the last ~100 completions. */
  readonly forgetting: number;
  private readonly models = new Map<string, WorkerModels>();
  private readonly x5 = new Float64Array(5);
  private readonly x2 = new Float64Array(2);

  constructor(options: { minSamples?: number; forgetting?: number } = {}) {
    this.minSamples = options.minSamples ?? 20;
    this.forgetting = options.forgetting ?? 0.99;
    if (!(this.forgetting > 0 && this.forgetting <= 1)) throw new RangeError(`forgetting must be in (0,1], got ${this.forgetting}`);
    if (!Number.isInteger(this.minSamples) || this.minSamples < 1)
      throw new RangeError(`minSamples must be an integer ≥ 1, got ${this.minSamples}`);
  }

  observe(o: LatencyObservation): void {
    let m = this.models.get(o.workerId);
    if (!m) {
      m = { ttft: new RecursiveLeastSquares(5, this.forgetting), tpot: new RecursiveLeastSquares(2, this.forgetting) };
      this.models.set(o.workerId, m);
    }
    if (Number.isFinite(o.ttftMs)) m.ttft.update(this.ttftFeatures(o), o.ttftMs);
    if (o.tpotMs !== undefined && Number.isFinite(o.tpotMs)) {
      this.x2[0] = 1;
      this.x2[1] = o.runningRequests;
      m.tpot.update(this.x2, o.tpotMs);
    }
  }

  /** ms, or undefined while the worker has fewer than minSamples observations. */
  predictTtftMs(workerId: string, f: TtftFeatures): number | undefined {
    const m = this.models.get(workerId);
    if (!m || m.ttft.samples < this.minSamples) return undefined;
    return Math.max(0, m.ttft.predict(this.ttftFeatures(f)));
  }

  /** ms per output token at the given batch size, or undefined with too little history. */
  predictTpotMs(workerId: string, runningRequests: number): number | undefined {
    const m = this.models.get(workerId);
    if (!m || m.tpot.samples < this.minSamples) return undefined;
    this.x2[0] = 1;
    this.x2[1] = runningRequests;
    return Math.max(0, m.tpot.predict(this.x2));
  }

  samples(workerId: string): number {
    return this.models.get(workerId)?.ttft.samples ?? 0;
  }

  removeWorker(workerId: string): void {
    this.models.delete(workerId);
  }

  private ttftFeatures(f: TtftFeatures): Float64Array {
    const x = this.x5;
    x[0] = 1;
    x[1] = f.uncachedTokens / 1000;
    x[2] = f.waitingRequests;
    x[3] = f.runningRequests;
    x[4] = f.inflightPromptTokens / 1000;
    return x;
  }
}
