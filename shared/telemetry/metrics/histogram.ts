// Prometheus histograms: per label set, counts per `le` bucket (rendered cumulative, +Inf last), sum, count.
import { MetricType, type MetricFamily, type MetricSample } from '../../engine/vllm/prometheus-text.js';
import { Metric, MetricDefinitionError, type LabelValues, type MetricOptions } from './metric.js';

export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Finite upper bounds, strictly ascending; +Inf is implied. */
  readonly buckets: readonly number[];
}

interface HistogramState {
  /** Per-bucket (not cumulative) counts; the last slot is the +Inf bucket. */
  readonly counts: number[];
  sum: number;
  count: number;
}

export class Histogram<L extends string = never> extends Metric<L, HistogramState> {
  readonly buckets: readonly number[];

  constructor(options: HistogramOptions<L>) {
    super(options, ['le']);
    const b = options.buckets;
    if (b.length === 0 || b.some((v, i) => !Number.isFinite(v) || (i > 0 && v <= b[i - 1]!))) {
      throw new MetricDefinitionError(`${options.name}: buckets must be finite and strictly ascending`);
    }
    this.buckets = [...b];
  }

  protected initial(): HistogramState {
    return { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
  }

  /** Records one value (in the metric's unit); NaN is dropped, as it fits no bucket. */
  observe(labels: LabelValues<L>, value: number): void {
    if (Number.isNaN(value)) return;
    const state = this.at(labels).value;
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]!) i++;
    state.counts[i]!++;
    state.sum += value;
    state.count++;
  }

  family(): MetricFamily {
    const samples: MetricSample[] = [];
    for (const { labels, value: state } of this.series.values()) {
      let cumulative = 0;
      state.counts.forEach((n, i) => {
        cumulative += n;
        samples.push({ name: `${this.name}_bucket`, labels: { ...labels, le: i < this.buckets.length ? String(this.buckets[i]) : '+Inf' }, value: cumulative });
      });
      samples.push({ name: `${this.name}_sum`, labels, value: state.sum });
      samples.push({ name: `${this.name}_count`, labels, value: state.count });
    }
    return { name: this.name, type: MetricType.Histogram, help: this.help, samples };
  }
}
