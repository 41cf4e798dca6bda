// Plain-data metric snapshots in the Prometheus data model (a family with a name, type and help, and
// samples that carry their own full names: `_total`, `_bucket`/`_sum`/`_count`), so that a renderer
// writes them out without knowing anything about vLLM.

export const MetricType = { Gauge: 'gauge', Counter: 'counter', Histogram: 'histogram' } as const;
export type MetricType = (typeof MetricType)[keyof typeof MetricType];

export interface MetricSample {
  /** Full sample name, e.g. 'vllm:prompt_tokens_total' or 'vllm:e2e_request_latency_seconds_bucket'. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  /** Family name as vLLM declares it, e.g. 'vllm:prompt_tokens'. */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly samples: readonly MetricSample[];
}

/** A cumulative histogram with fixed upper bounds (seconds for vLLM's latency histograms). */
export class Histogram {
  private readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= this.bounds[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }

  /** Samples `<name>_bucket` (cumulative, le label, +Inf last), `<name>_sum`, `<name>_count`. */
  samples(name: string, labels: Readonly<Record<string, string>>): MetricSample[] {
    const out: MetricSample[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i]!;
      out.push({ name: `${name}_bucket`, labels: { ...labels, le: String(this.bounds[i]) }, value: cumulative });
    }
    out.push({ name: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: this.count });
    out.push({ name: `${name}_sum`, labels, value: this.sum });
    out.push({ name: `${name}_count`, labels, value: this.count });
    return out;
  }
}
