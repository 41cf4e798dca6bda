import assert from 'node:assert/strict';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { MetricType, PrometheusParseError, parsePrometheusText } from '../../../shared/prometheus/index.js';
import type { MetricFamily } from '../../../shared/prometheus/index.js';

// An excerpt in the shape vLLM V1 (prometheus_client) writes.
const VLLM_EXPOSITION = [
  '# HELP vllm:num_requests_running Number of requests in model execution batches.',
  '# TYPE vllm:num_requests_running gauge',
  'vllm:num_requests_running{engine="0",model_name="m"} 3.0',
  '# HELP vllm:prefix_cache_queries_total Prefix cache queries, in terms of number of queried tokens.',
  '# TYPE vllm:prefix_cache_queries_total counter',
  'vllm:prefix_cache_queries_total{engine="0",model_name="m"} 1024.0',
  '# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig',
  '# TYPE vllm:cache_config_info gauge',
  'vllm:cache_config_info{block_size="16",num_gpu_blocks="28181"} 1.0',
  '# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.',
  '# TYPE vllm:time_to_first_token_seconds histogram',
  'vllm:time_to_first_token_seconds_bucket{le="0.001",model_name="m"} 0.0',
  'vllm:time_to_first_token_seconds_bucket{le="+Inf",model_name="m"} 2.0',
  'vllm:time_to_first_token_seconds_count{model_name="m"} 2.0',
  'vllm:time_to_first_token_seconds_sum{model_name="m"} 0.25',
  '',
].join('\n');

describe('prometheus text parser', () => {
  const families = parsePrometheusText(VLLM_EXPOSITION);
  const byName = new Map(families.map((f) => [f.name, f]));

  it('groups samples into families with type and help', () => {
    // Four TYPE lines -> four families, in exposition order.
    assert.deepEqual(
      families.map((f) => [f.name, f.type]),
      [
        ['vllm:num_requests_running', 'gauge'],
        ['vllm:prefix_cache_queries_total', 'counter'],
        ['vllm:cache_config_info', 'gauge'],
        ['vllm:time_to_first_token_seconds', 'histogram'],
      ],
    );
    assert.equal(byName.get('vllm:num_requests_running')!.help, 'Number of requests in model execution batches.');
  });

  it('puts _bucket/_count/_sum under their histogram, keeping le labels and +Inf', () => {
    const h = byName.get('vllm:time_to_first_token_seconds')!;
    assert.deepEqual(
      h.samples.map((s) => [s.name, s.labels['le'] ?? null, s.value]),
      [
        ['vllm:time_to_first_token_seconds_bucket', '0.001', 0],
        ['vllm:time_to_first_token_seconds_bucket', '+Inf', 2],
        ['vllm:time_to_first_token_seconds_count', null, 2],
        ['vllm:time_to_first_token_seconds_sum', null, 0.25],
      ],
    );
  });

  const valueRows: Array<{ line: string; labels: Record<string, string>; value: number; timestampMs?: number }> = [
    // Escapes in label values: \" \\ \n.
    { line: 'x{a="q\\"uote",b="back\\\\slash",c="new\\nline"} 1', labels: { a: 'q"uote', b: 'back\\slash', c: 'new\nline' }, value: 1 },
    { line: 'x{a="comma,inside",} 2', labels: { a: 'comma,inside' }, value: 2 },
    { line: 'x +Inf', labels: {}, value: Infinity },
    { line: 'x -Inf', labels: {}, value: -Infinity },
    { line: 'x 1.5e3 1700000000000', labels: {}, value: 1500, timestampMs: 1700000000000 },
  ];
  for (const row of valueRows) {
    it(`parses sample '${row.line}'`, () => {
      const [family] = parsePrometheusText(row.line);
      const sample = family!.samples[0]!;
      assert.deepEqual(sample.labels, row.labels);
      assert.equal(sample.value, row.value);
      assert.equal(sample.timestampMs, row.timestampMs);
    });
  }

  it('parses NaN and infinities in any case, as Prometheus does (prom-client writes NaN as Nan)', () => {
    for (const token of ['NaN', 'Nan', 'nan']) assert.ok(Number.isNaN(parsePrometheusText(`x ${token}`)[0]!.samples[0]!.value), token);
    assert.equal(parsePrometheusText('x +inf')[0]!.samples[0]!.value, Infinity);
    assert.equal(parsePrometheusText('x -INF')[0]!.samples[0]!.value, -Infinity);
  });

  it('unescapes HELP text', () => {
    assert.equal(parsePrometheusText('# HELP x a\\nb \\\\ c\n# TYPE x gauge\nx 1')[0]!.help, 'a\nb \\ c');
  });

  const malformed: Array<{ text: string; line: number }> = [
    { text: 'x{a="unterminated} 1', line: 1 },
    { text: 'ok 1\nx{a=1} 1', line: 2 },
    { text: 'x notanumber', line: 1 },
    { text: 'x 1 2 3', line: 1 },
    { text: '# TYPE x sometype', line: 1 },
    { text: '{a="b"} 1', line: 1 },
  ];
  for (const row of malformed) {
    it(`rejects ${JSON.stringify(row.text)} naming line ${row.line}`, () => {
      assert.throws(
        () => parsePrometheusText(row.text),
        (e: unknown) => e instanceof PrometheusParseError && e.line === row.line,
      );
    });
  }
});

describe('prometheus text parser on prom-client output', () => {
  it('reads back families, types, escaped help and label values, and cumulative histogram buckets', async () => {
    const registry = new Registry();
    const registers = [registry];
    const nasty = 'say "hi"\\ \n next line';
    new Counter({ name: 't_requests_total', help: 'line one\nback\\slash', labelNames: ['reason'], registers }).inc({ reason: nasty }, 3);
    new Gauge({ name: 't:load', help: 'Load.', registers }).set(-Infinity);
    const h = new Histogram({ name: 't_seconds', help: 'h', labelNames: ['model'], buckets: [0.1, 1], registers });
    for (const v of [0.05, 0.1, 0.5, 7]) h.observe({ model: 'm' }, v);

    const expected: MetricFamily[] = [
      {
        name: 't_requests_total',
        type: MetricType.Counter,
        help: 'line one\nback\\slash',
        samples: [{ name: 't_requests_total', labels: { reason: nasty }, value: 3 }],
      },
      { name: 't:load', type: MetricType.Gauge, help: 'Load.', samples: [{ name: 't:load', labels: {}, value: -Infinity }] },
      {
        name: 't_seconds',
        type: MetricType.Histogram,
        help: 'h',
        // Upper-inclusive, cumulative: 0.05 and 0.1 in le=0.1, 0.5 in le=1, 7 only in +Inf.
        samples: [
          { name: 't_seconds_bucket', labels: { le: '0.1', model: 'm' }, value: 2 },
          { name: 't_seconds_bucket', labels: { le: '1', model: 'm' }, value: 3 },
          { name: 't_seconds_bucket', labels: { le: '+Inf', model: 'm' }, value: 4 },
          { name: 't_seconds_sum', labels: { model: 'm' }, value: 7.65 },
          { name: 't_seconds_count', labels: { model: 'm' }, value: 4 },
        ],
      },
    ];
    assert.deepEqual(parsePrometheusText(await registry.metrics()), expected);
  });
});
