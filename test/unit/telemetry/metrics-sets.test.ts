import assert from 'node:assert/strict';
import { Registry, register as globalRegistry } from 'prom-client';
import type { EngineLoad } from '../../../shared/engine/types.js';
import {
  CONTROL_PATH_BUCKETS_S,
  MetricType,
  TTFT_BUCKETS_S,
  parsePrometheusText,
  samplesNamed,
  type MetricFamily,
} from '../../../shared/prometheus/index.js';
import { ingressMetrics, schedulerMetrics, workerMetrics, type LiveWorker } from '../../../shared/telemetry/index.js';

const LOAD: EngineLoad = {
  runningRequests: 4,
  waitingRequests: 2,
  kvCacheUsage: 0.25,
  numGpuBlocks: 1000,
  blockSize: 16,
  prefixCacheQueries: 800,
  prefixCacheHits: 600,
};

async function scrape(registry: Registry): Promise<MetricFamily[]> {
  return parsePrometheusText(await registry.metrics());
}

/** Sum of the samples named `name` whose labels include `labels`; undefined when there is none. */
function value(families: readonly MetricFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const samples = samplesNamed(families, name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return samples.length === 0 ? undefined : samples.reduce((sum, s) => sum + s.value, 0);
}

const C = MetricType.Counter;
const G = MetricType.Gauge;
const H = MetricType.Histogram;

// Every name and type each service exposes: dashboards, alerts, docs and the e2e test read these.
const SETS: Array<[service: string, declare: (r: Registry) => unknown, families: Array<[name: string, type: MetricType]>]> = [
  [
    'ingress',
    (r) => ingressMetrics(r),
    [
      ['atc_nats_reconnects_total', C],
      ['atc_ingress_requests_total', C],
      ['atc_ingress_requests_in_flight', G],
      ['atc_ingress_time_to_first_token_seconds', H],
      ['atc_ingress_inter_token_latency_seconds', H],
      ['atc_ingress_request_duration_seconds', H],
      ['atc_ingress_pick_duration_seconds', H],
      ['atc_ingress_prompt_tokens_total', C],
      ['atc_ingress_cached_prompt_tokens_total', C],
      ['atc_ingress_generation_tokens_total', C],
      ['atc_ingress_pick_retries_total', C],
      ['atc_ingress_worker_retries_total', C],
    ],
  ],
  [
    'scheduler',
    (r) => schedulerMetrics(r, () => []),
    [
      ['atc_nats_reconnects_total', C],
      ['atc_scheduler_picks_total', C],
      ['atc_scheduler_decision_duration_seconds', H],
      ['atc_scheduler_dropped_events_total', C],
      ['atc_scheduler_plugin_duration_seconds', H],
      ['atc_scheduler_prompt_blocks_total', C],
      ['atc_scheduler_cached_prefix_blocks_total', C],
      ['atc_scheduler_pd_decisions_total', C],
      ['atc_scheduler_workers', G],
      ['atc_scheduler_sustained_prefill_tokens_per_second', G],
    ],
  ],
  [
    'worker',
    (r) => workerMetrics(r, { labels: { worker_id: 'w', model: 'm' }, load: () => LOAD }),
    [
      ['atc_nats_reconnects_total', C],
      ['atc_worker_requests_total', C],
      ['atc_worker_running_requests', G],
      ['atc_worker_waiting_requests', G],
      ['atc_worker_kv_cache_usage_ratio', G],
      ['atc_worker_prefix_cache_queries_tokens_total', C],
      ['atc_worker_prefix_cache_hits_tokens_total', C],
      ['atc_worker_queue_time_seconds', H],
      ['atc_worker_engine_time_to_first_token_seconds', H],
      ['atc_worker_remote_prefills_total', C],
      ['atc_worker_kv_handoffs_total', C],
      ['atc_worker_pd_fallbacks_total', C],
    ],
  ],
];

describe('telemetry: service metric sets', () => {
  for (const [service, declare, families] of SETS) {
    it(`${service}: exposes exactly its documented metrics, each with help text, in its own registry`, async () => {
      const registry = new Registry();
      declare(registry);
      const scraped = await scrape(registry);
      const byName = (list: Array<[string, string]>) => [...list].sort(([a], [b]) => a.localeCompare(b));
      assert.deepEqual(byName(scraped.map((f) => [f.name, f.type])), byName(families));
      for (const f of scraped) {
        assert.ok(f.help.length > 10, `${f.name} has help text`);
        if (f.type === C) assert.match(f.name, /_total$/, `counter ${f.name}`);
      }
      // Registries are per process (or per engine): a second set in another one does not collide, and
      // nothing lands in prom-client's global default registry.
      declare(new Registry());
      assert.deepEqual(globalRegistry.getMetricsAsArray(), []);
    });
  }

  it('shares bucket bounds that are finite and strictly ascending', () => {
    for (const buckets of [TTFT_BUCKETS_S, CONTROL_PATH_BUCKETS_S]) {
      buckets.forEach((b, i) => assert.ok(Number.isFinite(b) && (i === 0 || b > buckets[i - 1]!), `bound ${b}`));
    }
  });

  it('ingress: counters, gauges and histograms carry their labels and values into the exposition', async () => {
    const registry = new Registry();
    const m = ingressMetrics(registry);
    // Before any traffic: the unlabelled counter reads 0 (rate() sees it from the start), labelled ones are absent.
    let families = await scrape(registry);
    assert.equal(value(families, 'atc_nats_reconnects_total'), 0);
    assert.equal(value(families, 'atc_ingress_requests_total'), undefined);

    const ok = { api: 'completions', transport: 'http', model: 'm', outcome: 'ok' };
    m.requests.inc(ok);
    m.requests.inc(ok, 2);
    m.requests.inc({ ...ok, outcome: 'worker_lost' });
    m.inFlight.inc({ api: 'completions', transport: 'nats' }, 3);
    m.inFlight.dec({ api: 'completions', transport: 'nats' });
    for (const v of [0.0005, 0.001, 0.3, 5000]) m.timeToFirstToken.observe({ model: 'm' }, v);
    m.natsReconnects.inc();
    families = await scrape(registry);

    assert.equal(value(families, 'atc_nats_reconnects_total'), 1);
    assert.equal(value(families, 'atc_ingress_requests_total', { outcome: 'ok' }), 3);
    assert.equal(value(families, 'atc_ingress_requests_total', { outcome: 'worker_lost', model: 'm', transport: 'http' }), 1);
    assert.equal(value(families, 'atc_ingress_requests_in_flight', { transport: 'nats' }), 2);
    const buckets = samplesNamed(families, 'atc_ingress_time_to_first_token_seconds_bucket');
    // vLLM's TTFT bounds, then +Inf; cumulative and upper-inclusive: 0.0005 and 0.001 fall in le=0.001,
    // 0.3 first counts at le=0.5, 5000 (beyond 2560) only in +Inf.
    assert.deepEqual(
      buckets.map((s) => s.labels['le']),
      [...TTFT_BUCKETS_S.map(String), '+Inf'],
    );
    const at = (le: string) => buckets.find((s) => s.labels['le'] === le)!.value;
    assert.deepEqual([at('0.001'), at('0.25'), at('0.5'), at('2560'), at('+Inf')], [2, 2, 3, 3, 4]);
    assert.equal(value(families, 'atc_ingress_time_to_first_token_seconds_count', { model: 'm' }), 4);
    assert.ok(Math.abs(value(families, 'atc_ingress_time_to_first_token_seconds_sum')! - 5000.3015) < 1e-9);
  });

  it('ingress: a client-chosen model name with quotes, backslashes and newlines survives as a label value', async () => {
    const registry = new Registry();
    const nasty = 'say "hi"\\ \n next line';
    ingressMetrics(registry).promptTokens.inc({ model: nasty }, 7);
    const text = await registry.metrics();
    assert.ok(text.includes('model="say \\"hi\\"\\\\ \\n next line"'), text);
    assert.equal(value(parsePrometheusText(text), 'atc_ingress_prompt_tokens_total', { model: nasty }), 7);
  });

  it('worker: load gauges and prefix-cache counters read the engine at each scrape', async () => {
    const registry = new Registry();
    let load = LOAD;
    workerMetrics(registry, { labels: { worker_id: 'decode-1', model: 'llama-3-8b' }, load: () => load });
    const read = async () => {
      const families = await scrape(registry);
      const v = (name: string) => value(families, name, { worker_id: 'decode-1', model: 'llama-3-8b' });
      return [
        v('atc_worker_running_requests'),
        v('atc_worker_waiting_requests'),
        v('atc_worker_kv_cache_usage_ratio'),
        v('atc_worker_prefix_cache_queries_tokens_total'),
        v('atc_worker_prefix_cache_hits_tokens_total'),
      ];
    };
    assert.deepEqual(await read(), [4, 2, 0.25, 800, 600]);
    load = { ...LOAD, runningRequests: 1, waitingRequests: 0, kvCacheUsage: 0.5, prefixCacheQueries: 900, prefixCacheHits: 650 };
    assert.deepEqual(await read(), [1, 0, 0.5, 900, 650]);
    // An engine restart resets its counts: the mirrored counters follow it down (rate() sees a reset).
    load = { ...LOAD, prefixCacheQueries: 10, prefixCacheHits: 0 };
    assert.deepEqual((await read()).slice(3), [10, 0]);
  });

  it('worker: a failing engine read fails the scrape', async () => {
    const registry = new Registry();
    workerMetrics(registry, {
      labels: { worker_id: 'w', model: 'm' },
      load: () => {
        throw new Error('engine gone');
      },
    });
    await assert.rejects(registry.metrics(), /engine gone/);
  });

  it('scheduler: the workers gauge counts live workers by model and role at each scrape', async () => {
    const registry = new Registry();
    let live: LiveWorker[] = [
      { role: 'decode', models: ['a', 'b'] },
      { role: 'decode', models: ['a'] },
      { role: 'prefill', models: ['a'] },
    ];
    schedulerMetrics(registry, () => live);
    const read = async () =>
      samplesNamed(await scrape(registry), 'atc_scheduler_workers')
        .map((s) => [s.labels['model'], s.labels['role'], s.value])
        .sort((x, y) => String(x).localeCompare(String(y)));
    assert.deepEqual(await read(), [
      ['a', 'decode', 2],
      ['a', 'prefill', 1],
      ['b', 'decode', 1],
    ]);
    // Model b's worker left: its series goes, rather than lingering at its last value.
    live = [{ role: 'decode', models: ['a'] }];
    assert.deepEqual(await read(), [['a', 'decode', 1]]);
  });

  it("scheduler: the sustained-prefill gauge reads the saturation tracker's estimates at each scrape", async () => {
    const registry = new Registry();
    let estimates = [
      { engineId: 'w1', tokensPerS: 21_000, samples: 3 },
      { engineId: 'w2', tokensPerS: 20_000, samples: 0 },
    ];
    schedulerMetrics(
      registry,
      () => [],
      () => estimates,
    );
    const read = async () =>
      samplesNamed(await scrape(registry), 'atc_scheduler_sustained_prefill_tokens_per_second')
        .map((s) => [s.labels['worker'], s.labels['learned'], s.value])
        .sort((x, y) => String(x).localeCompare(String(y)));
    assert.deepEqual(await read(), [
      ['w1', 'true', 21_000],
      ['w2', 'false', 20_000],
    ]);
    estimates = [];
    assert.deepEqual(await read(), []);
  });
});
