import assert from 'node:assert/strict';
import { ITL_BUCKETS_S, TTFT_BUCKETS_S, type MetricFamily } from '../../../shared/prometheus/index.js';
import { harness, scrapeVllmMetrics, tokenRange } from './harness.js';

function family(families: readonly MetricFamily[], name: string): MetricFamily {
  const f = families.find((x) => x.name === name);
  assert.ok(f, `missing ${name}`);
  return f;
}

function value(families: readonly MetricFamily[], sample: string, labels: Record<string, string> = {}): number {
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  throw new Error(`no sample ${sample}`);
}

describe('vllmMetrics()', () => {
  it('exports vLLM names and types with counters that match the work done', async () => {
    const h = harness({ seed: 11, model: 'my-model' });
    const prompt = tokenRange(1, 320);
    h.submit({ requestId: 'a', promptTokenIds: prompt, maxTokens: 10, ignoreEos: true });
    h.clock.run();
    h.submit({ requestId: 'b', promptTokenIds: prompt, maxTokens: 10, ignoreEos: true });
    h.clock.runUntil(h.clock.now() + 1);
    const during = await scrapeVllmMetrics(h.core);
    h.clock.run();
    const m = await scrapeVllmMetrics(h.core);

    // Every family, as vLLM's prometheus_client writes it (a counter's family carries its _total name).
    const types: Record<string, string> = {
      'vllm:num_requests_running': 'gauge',
      'vllm:num_requests_waiting': 'gauge',
      'vllm:kv_cache_usage_perc': 'gauge',
      'vllm:prefix_cache_queries_total': 'counter',
      'vllm:prefix_cache_hits_total': 'counter',
      'vllm:cache_config_info': 'gauge',
      'vllm:num_preemptions_total': 'counter',
      'vllm:prompt_tokens_total': 'counter',
      'vllm:generation_tokens_total': 'counter',
      'vllm:request_success_total': 'counter',
      'vllm:time_to_first_token_seconds': 'histogram',
      'vllm:inter_token_latency_seconds': 'histogram',
      'vllm:e2e_request_latency_seconds': 'histogram',
      'vllm:request_queue_time_seconds': 'histogram',
    };
    assert.deepEqual(Object.fromEntries(m.map((f) => [f.name, f.type])), types);
    assert.equal(family(m, 'vllm:num_requests_running').help, 'Number of requests in model execution batches.');

    // 'b' was running mid-way, nothing after.
    assert.equal(value(during, 'vllm:num_requests_running'), 1);
    assert.ok(value(during, 'vllm:kv_cache_usage_perc') > 0);
    assert.equal(value(m, 'vllm:num_requests_running'), 0);
    assert.equal(value(m, 'vllm:kv_cache_usage_perc'), 0);
    // Two prompts of 320 queried; the second hit 304 (19 blocks: the 20th holds its last token).
    assert.equal(value(m, 'vllm:prefix_cache_queries_total'), 640);
    assert.equal(value(m, 'vllm:prefix_cache_hits_total'), 304);
    assert.equal(value(m, 'vllm:prompt_tokens_total'), 640);
    assert.equal(value(m, 'vllm:generation_tokens_total'), 20);
    assert.equal(value(m, 'vllm:request_success_total', { finished_reason: 'length' }), 2);
    assert.equal(value(m, 'vllm:request_success_total', { finished_reason: 'abort' }), 0);
    assert.equal(value(m, 'vllm:num_preemptions_total'), 0);
    // Histograms: 2 TTFTs, 2 × 9 inter-token gaps, 2 e2e latencies; +Inf bucket equals count.
    assert.equal(value(m, 'vllm:time_to_first_token_seconds_count'), 2);
    assert.equal(value(m, 'vllm:inter_token_latency_seconds_count'), 18);
    assert.equal(value(m, 'vllm:inter_token_latency_seconds_bucket', { le: '+Inf' }), 18);
    assert.equal(value(m, 'vllm:e2e_request_latency_seconds_count'), 2);
    // vLLM's bucket bounds, and the model_name label.
    const ttftBuckets = family(m, 'vllm:time_to_first_token_seconds').samples.filter((s) => s.name.endsWith('_bucket'));
    assert.deepEqual(
      ttftBuckets.map((s) => s.labels['le']),
      [...TTFT_BUCKETS_S.map(String), '+Inf'],
    );
    assert.equal(
      family(m, 'vllm:inter_token_latency_seconds').samples.filter((s) => s.name.endsWith('_bucket')).length,
      ITL_BUCKETS_S.length + 1,
    );
    assert.deepEqual(ttftBuckets[0]!.labels, { le: '0.001', model_name: 'my-model', engine: '0' });
    // ~7 ms decode steps on llama-3-8b-h100: every inter-token gap falls in the first bucket (<= 10 ms).
    assert.equal(value(m, 'vllm:inter_token_latency_seconds_bucket', { le: '0.01' }), 18);
  });

  it('a fresh engine shows every series at 0, as vLLM does from startup', async () => {
    const m = await scrapeVllmMetrics(harness({ model: 'm' }).core);
    for (const name of [
      'vllm:prompt_tokens_total',
      'vllm:generation_tokens_total',
      'vllm:num_preemptions_total',
      'vllm:time_to_first_token_seconds_count',
    ]) {
      assert.equal(value(m, name, { model_name: 'm', engine: '0' }), 0, name);
    }
    assert.deepEqual(
      family(m, 'vllm:request_success_total').samples.map((s) => [s.labels['finished_reason'], s.value]),
      [
        ['stop', 0],
        ['length', 0],
        ['abort', 0],
      ],
    );
  });

  it('an engine created with vllmMetrics: false keeps none and still reports TTFT and queueing', () => {
    const h = harness({ seed: 11, vllmMetrics: false });
    h.submit({ requestId: 'a', promptTokenIds: tokenRange(1, 64), maxTokens: 3, ignoreEos: true });
    h.clock.run();
    assert.equal(h.core.vllmMetrics(), undefined);
    const f = h.finished.get('a')!;
    assert.equal(f.completionTokens, 3);
    assert.ok(f.ttftMs > 0 && f.ttftMs < f.e2eMs, `ttft ${f.ttftMs} ms of ${f.e2eMs} ms`);
  });
});
