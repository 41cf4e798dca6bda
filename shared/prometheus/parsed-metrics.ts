// A parsed Prometheus exposition as plain data: families with a name, type and help, and samples that
// carry their own full names (`_total`, `_bucket`/`_sum`/`_count`), as a scraper reads them.

export const MetricType = {
  Counter: 'counter',
  Gauge: 'gauge',
  Histogram: 'histogram',
  Summary: 'summary',
  Untyped: 'untyped',
} as const;
export type MetricType = (typeof MetricType)[keyof typeof MetricType];

export interface MetricSample {
  /** Full sample name, e.g. 'vllm:e2e_request_latency_seconds_bucket'. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** ms since the epoch, when the exposition carries one. */
  readonly timestampMs?: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly samples: readonly MetricSample[];
}

/** All samples of a given sample name across families (e.g. a counter's '<name>_total'). */
export function samplesNamed(families: readonly MetricFamily[], name: string): MetricSample[] {
  return families.flatMap((f) => f.samples.filter((s) => s.name === name));
}
