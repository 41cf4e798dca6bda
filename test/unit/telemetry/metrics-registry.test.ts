import assert from 'node:assert/strict';
import { MetricType, parsePrometheusText, samplesNamed } from '../../../shared/engine/vllm/prometheus-text.js';
import {
  MetricDefinitionError, MetricsRegistry, ingressMetrics, recordEngineLoad, schedulerMetrics, workerMetrics,
} from '../../../shared/telemetry/index.js';

describe('telemetry: metrics registry', () => {
  it('renders counters, gauges and histograms that the Prometheus parser reads back', () => {
    const registry = new MetricsRegistry();
    const requests = registry.counter({ name: 'atc_test_requests_total', help: 'Requests.', labelNames: ['outcome'] });
    const load = registry.gauge({ name: 'atc_test_load', help: 'Load.', labelNames: ['worker_id'] });
    const ttft = registry.histogram({ name: 'atc_test_ttft_seconds', help: 'TTFT.', labelNames: ['model'], buckets: [0.1, 1] });
    requests.inc({ outcome: 'ok' });
    requests.inc({ outcome: 'ok' }, 2);
    requests.inc({ outcome: 'worker_lost' });
    load.set({ worker_id: 'w1' }, 3);
    load.dec({ worker_id: 'w1' });
    for (const v of [0.05, 0.1, 0.5, 7]) ttft.observe({ model: 'm' }, v);

    const families = parsePrometheusText(registry.render());
    assert.deepEqual(families.map((f) => [f.name, f.type, f.help]), [
      ['atc_test_requests_total', MetricType.Counter, 'Requests.'],
      ['atc_test_load', MetricType.Gauge, 'Load.'],
      ['atc_test_ttft_seconds', MetricType.Histogram, 'TTFT.'],
    ]);
    // 1 + 2 for ok, 1 for worker_lost.
    assert.deepEqual(samplesNamed(families, 'atc_test_requests_total').map((s) => [s.labels['outcome'], s.value]), [['ok', 3], ['worker_lost', 1]]);
    // set 3 then dec 1.
    assert.equal(samplesNamed(families, 'atc_test_load')[0]!.value, 2);
    // Buckets are cumulative and upper-inclusive: 0.05 and 0.1 fall in le=0.1; 0.5 in le=1; 7 only in +Inf.
    assert.deepEqual(samplesNamed(families, 'atc_test_ttft_seconds_bucket').map((s) => [s.labels['le'], s.value]), [['0.1', 2], ['1', 3], ['+Inf', 4]]);
    assert.equal(samplesNamed(families, 'atc_test_ttft_seconds_count')[0]!.value, 4);
    assert.ok(Math.abs(samplesNamed(families, 'atc_test_ttft_seconds_sum')[0]!.value - 7.65) < 1e-9);
    assert.deepEqual(samplesNamed(families, 'atc_test_ttft_seconds_sum')[0]!.labels, { model: 'm' });
  });

  it('escapes label values and help text so they parse back unchanged', () => {
    const registry = new MetricsRegistry();
    const c = registry.counter({ name: 'atc_test_total', help: 'line one\nback\\slash', labelNames: ['reason'] });
    const nasty = 'say "hi"\\ \n next line';
    c.inc({ reason: nasty });
    const text = registry.render();
    assert.ok(text.includes('reason="say \\"hi\\"\\\\ \\n next line"'), text);
    const [family] = parsePrometheusText(text);
    assert.equal(family!.help, 'line one\nback\\slash');
    assert.equal(family!.samples[0]!.labels['reason'], nasty);
  });

  it('shows an unlabelled metric at 0 before its first update, and a labelled one not at all', () => {
    const registry = new MetricsRegistry();
    registry.counter({ name: 'atc_plain_total', help: 'h' });
    registry.counter({ name: 'atc_labelled_total', help: 'h', labelNames: ['x'] });
    const families = parsePrometheusText(registry.render());
    assert.deepEqual(samplesNamed(families, 'atc_plain_total').map((s) => s.value), [0]);
    assert.deepEqual(samplesNamed(families, 'atc_labelled_total'), []);
  });

  it('places histogram observations in the right bucket', () => {
    // Bounds [1, 2, 5]; index 3 is +Inf. Prometheus buckets are `le`: a value equal to a bound belongs to it.
    const rows: Array<[value: number, cumulative: number[], why: string]> = [
      [0, [1, 1, 1, 1], 'below the first bound'],
      [1, [1, 1, 1, 1], 'equal to a bound counts in it'],
      [1.0001, [0, 1, 1, 1], 'just above a bound goes to the next'],
      [5, [0, 0, 1, 1], 'equal to the last finite bound'],
      [5.5, [0, 0, 0, 1], 'above every bound: +Inf only'],
      [Infinity, [0, 0, 0, 1], '+Inf itself'],
      [-3, [1, 1, 1, 1], 'negative values are below every bound'],
    ];
    for (const [value, cumulative, why] of rows) {
      const registry = new MetricsRegistry();
      registry.histogram({ name: 'atc_h', help: 'h', buckets: [1, 2, 5] }).observe({}, value);
      const buckets = samplesNamed(registry.families(), 'atc_h_bucket').map((s) => s.value);
      assert.deepEqual(buckets, cumulative, why);
    }
  });

  it('drops NaN observations', () => {
    const registry = new MetricsRegistry();
    const h = registry.histogram({ name: 'atc_h', help: 'h', buckets: [1] });
    h.observe({}, NaN);
    // No series was created by the NaN, so the labelled-less histogram has no samples yet.
    assert.deepEqual(registry.families()[0]!.samples, []);
  });

  it('rejects bad definitions and bad label sets, naming the metric', () => {
    const rows: Array<[what: string, act: (r: MetricsRegistry) => unknown, message: RegExp]> = [
      ['bad metric name', (r) => r.gauge({ name: 'atc-bad', help: '' }), /atc-bad/],
      ['counter without _total', (r) => r.counter({ name: 'atc_requests', help: '' }), /_total/],
      ['reserved le on a histogram', (r) => r.histogram({ name: 'atc_h', help: '', labelNames: ['le'], buckets: [1] }), /le/],
      ['label starting with __', (r) => r.gauge({ name: 'atc_g', help: '', labelNames: ['__x'] }), /__x/],
      ['duplicate label', (r) => r.gauge({ name: 'atc_g', help: '', labelNames: ['a', 'a'] }), /duplicate/],
      ['unsorted buckets', (r) => r.histogram({ name: 'atc_h', help: '', buckets: [2, 1] }), /ascending/],
      ['infinite bucket', (r) => r.histogram({ name: 'atc_h', help: '', buckets: [1, Infinity] }), /finite/],
      ['no buckets', (r) => r.histogram({ name: 'atc_h', help: '', buckets: [] }), /buckets/],
      ['duplicate registration', (r) => { r.gauge({ name: 'atc_g', help: '' }); r.gauge({ name: 'atc_g', help: '' }); }, /already registered/],
      ['missing label', (r) => r.counter<'a'>({ name: 'atc_c_total', help: '', labelNames: ['a'] }).inc({} as { a: string }), /label 'a' missing/],
      ['extra label', (r) => r.counter<'a'>({ name: 'atc_c_total', help: '', labelNames: ['a'] }).inc({ a: 'x', b: 'y' } as { a: string }), /declared/],
      ['negative counter increment', (r) => r.counter({ name: 'atc_c_total', help: '' }).inc({}, -1), /cannot go down/],
    ];
    for (const [what, act, message] of rows) {
      assert.throws(() => act(new MetricsRegistry()), (err: unknown) => err instanceof MetricDefinitionError && message.test(err.message), what);
    }
  });

  it('runs beforeCollect hooks at every collection, until removed', () => {
    const registry = new MetricsRegistry();
    const g = registry.gauge({ name: 'atc_g', help: 'h' });
    let source = 1;
    const remove = registry.beforeCollect(() => g.set({}, source));
    assert.equal(samplesNamed(registry.families(), 'atc_g')[0]!.value, 1);
    source = 5;
    assert.equal(samplesNamed(registry.families(), 'atc_g')[0]!.value, 5);
    remove();
    source = 9;
    // The hook is gone: the gauge keeps its last value.
    assert.equal(samplesNamed(registry.families(), 'atc_g')[0]!.value, 5);
  });

  it('removes a gauge series', () => {
    const registry = new MetricsRegistry();
    const g = registry.gauge({ name: 'atc_g', help: 'h', labelNames: ['worker_id'] });
    g.set({ worker_id: 'a' }, 1);
    g.set({ worker_id: 'b' }, 2);
    g.remove({ worker_id: 'a' });
    assert.deepEqual(samplesNamed(registry.families(), 'atc_g').map((s) => s.labels['worker_id']), ['b']);
  });
});

describe('telemetry: service metric sets', () => {
  const sets: Array<[service: string, declare: (r: MetricsRegistry) => unknown]> = [
    ['ingress', ingressMetrics], ['scheduler', schedulerMetrics], ['worker', workerMetrics],
  ];
  for (const [service, declare] of sets) {
    it(`${service}: every metric is atc_-prefixed, documented, and the set registers in one registry`, () => {
      const registry = new MetricsRegistry();
      declare(registry);
      const families = parsePrometheusText(registry.render());
      assert.ok(families.length > 3);
      for (const f of registry.families()) {
        assert.match(f.name, /^atc_/, f.name);
        assert.ok(f.help.length > 10, `${f.name} has help text`);
      }
      // Every service counts its NATS reconnects.
      assert.ok(families.some((f) => f.name === 'atc_nats_reconnects_total'));
    });
  }

  it('recordEngineLoad copies a load report into the worker gauges and prefix-cache counters', () => {
    const registry = new MetricsRegistry();
    const metrics = workerMetrics(registry);
    const labels = { worker_id: 'decode-1', model: 'llama-3-8b' };
    recordEngineLoad(metrics, labels, {
      runningRequests: 4, waitingRequests: 2, kvCacheUsage: 0.25, numGpuBlocks: 1000, blockSize: 16, prefixCacheQueries: 800, prefixCacheHits: 600,
    });
    const families = parsePrometheusText(registry.render());
    const value = (name: string) => samplesNamed(families, name).find((s) => s.labels['worker_id'] === 'decode-1')?.value;
    assert.equal(value('atc_worker_running_requests'), 4);
    assert.equal(value('atc_worker_waiting_requests'), 2);
    assert.equal(value('atc_worker_kv_cache_usage_ratio'), 0.25);
    // Hit rate = hits / queries = 600 / 800.
    assert.equal(value('atc_worker_prefix_cache_hits_tokens_total')! / value('atc_worker_prefix_cache_queries_tokens_total')!, 0.75);
  });
});
