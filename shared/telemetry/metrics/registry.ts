// A small Prometheus registry: counters, gauges and histograms with labels, rendered in text format
// 0.0.4 by the renderer that also serves vLLM's metrics (shared/engine/vllm/prometheus-text.ts).
// Metrics are declared once per process (see *-metrics.ts); a bad name or label set throws at once.
import {
  MetricType, PROMETHEUS_CONTENT_TYPE, renderPrometheusText, type MetricFamily, type MetricSample,
} from '../../engine/vllm/prometheus-text.js';
import { Histogram, type HistogramOptions } from './histogram.js';
import { Metric, MetricDefinitionError, type LabelValues, type MetricOptions } from './metric.js';

const noLabels = {} as LabelValues<never>;

abstract class ScalarMetric<L extends string> extends Metric<L, number> {
  protected initial(): number {
    return 0;
  }

  get(labels: LabelValues<L> = noLabels as LabelValues<L>): number {
    return this.at(labels).value;
  }

  protected samples(): MetricSample[] {
    // An unlabelled metric shows 0 before its first update, so rate() and alerts see it from the start.
    if (this.labelNames.length === 0 && this.series.size === 0) this.at(noLabels as LabelValues<L>);
    return [...this.series.values()].map((s) => ({ name: this.name, labels: s.labels, value: s.value }));
  }
}

export class Counter<L extends string = never> extends ScalarMetric<L> {
  constructor(options: MetricOptions<L>) {
    super(options);
    if (!options.name.endsWith('_total')) throw new MetricDefinitionError(`counter ${options.name}: name must end in _total`);
  }

  inc(labels: LabelValues<L> = noLabels as LabelValues<L>, by = 1): void {
    if (!(by >= 0)) throw new MetricDefinitionError(`${this.name}: a counter cannot go down (inc by ${by})`);
    this.at(labels).value += by;
  }

  /** Mirrors a cumulative count kept elsewhere (an engine's counters); a drop means the source restarted. */
  setTotal(labels: LabelValues<L>, total: number): void {
    this.at(labels).value = total;
  }

  family(): MetricFamily {
    return { name: this.name, type: MetricType.Counter, help: this.help, samples: this.samples() };
  }
}

export class Gauge<L extends string = never> extends ScalarMetric<L> {
  set(labels: LabelValues<L>, value: number): void {
    this.at(labels).value = value;
  }

  inc(labels: LabelValues<L> = noLabels as LabelValues<L>, by = 1): void {
    this.at(labels).value += by;
  }

  dec(labels: LabelValues<L> = noLabels as LabelValues<L>, by = 1): void {
    this.at(labels).value -= by;
  }

  /** Drops one series (a worker that left must not linger at its last value). */
  remove(labels: LabelValues<L>): void {
    this.series.delete(this.labelNames.map((n) => labels[n]).join('\u0000'));
  }

  family(): MetricFamily {
    return { name: this.name, type: MetricType.Gauge, help: this.help, samples: this.samples() };
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric<string, unknown>>();
  private readonly hooks = new Set<() => void>();

  counter<L extends string = never>(options: MetricOptions<L>): Counter<L> {
    return this.add(new Counter<L>(options));
  }

  gauge<L extends string = never>(options: MetricOptions<L>): Gauge<L> {
    return this.add(new Gauge<L>(options));
  }

  histogram<L extends string = never>(options: HistogramOptions<L>): Histogram<L> {
    return this.add(new Histogram<L>(options));
  }

  /** Runs before every collection, to refresh gauges from their source (engine load, ...). Returns a remover. */
  beforeCollect(hook: () => void): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  families(): MetricFamily[] {
    for (const hook of this.hooks) hook();
    return [...this.metrics.values()].map((m) => m.family());
  }

  /** The text exposition (format 0.0.4), served with contentType. */
  render(): string {
    return renderPrometheusText(this.families());
  }

  readonly contentType = PROMETHEUS_CONTENT_TYPE;

  private add<M extends Metric<string, unknown>>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new MetricDefinitionError(`metric ${metric.name} is already registered`);
    this.metrics.set(metric.name, metric);
    return metric;
  }
}
