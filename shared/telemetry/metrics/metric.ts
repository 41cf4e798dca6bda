// The shape every metric shares: a validated name, help and label names, and one series per label set.
import type { MetricFamily } from '../../engine/vllm/prometheus-text.js';

export type LabelValues<L extends string> = Readonly<Record<L, string>>;

export interface MetricOptions<L extends string> {
  /** Prefixed `atc_`; base units (seconds, tokens, ratio in [0,1]). Counters end in `_total`. */
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

export class MetricDefinitionError extends Error {
  override name = 'MetricDefinitionError';
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface Series<V> {
  readonly labels: Readonly<Record<string, string>>;
  value: V;
}

export abstract class Metric<L extends string, V> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  protected readonly series = new Map<string, Series<V>>();

  constructor(options: MetricOptions<L>, reserved: readonly string[] = []) {
    if (!METRIC_NAME.test(options.name)) throw new MetricDefinitionError(`metric name '${options.name}' is not valid`);
    const labelNames = options.labelNames ?? [];
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__') || reserved.includes(label)) {
        throw new MetricDefinitionError(`${options.name}: label name '${label}' is not allowed`);
      }
    }
    if (new Set(labelNames).size !== labelNames.length) throw new MetricDefinitionError(`${options.name}: duplicate label names`);
    this.name = options.name;
    this.help = options.help;
    this.labelNames = labelNames;
  }

  protected abstract initial(): V;

  /** The series for a label set; throws when a declared label is missing or an undeclared one given. */
  protected at(labels: LabelValues<L>): Series<V> {
    const values = this.labelNames.map((name) => {
      const value = (labels as Record<string, unknown>)[name];
      if (typeof value !== 'string') throw new MetricDefinitionError(`${this.name}: label '${name}' missing`);
      return value;
    });
    if (Object.keys(labels).length !== this.labelNames.length) {
      throw new MetricDefinitionError(`${this.name}: labels ${JSON.stringify(Object.keys(labels))}, declared ${JSON.stringify(this.labelNames)}`);
    }
    const key = values.join('\u0000');
    let series = this.series.get(key);
    if (!series) {
      const copy: Record<string, string> = {};
      this.labelNames.forEach((name, i) => { copy[name] = values[i]!; });
      this.series.set(key, (series = { labels: copy, value: this.initial() }));
    }
    return series;
  }

  /** Forgets every series (e.g. a worker that left). */
  reset(): void {
    this.series.clear();
  }

  abstract family(): MetricFamily;
}
