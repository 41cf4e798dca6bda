// Operators' view of a running cluster: one OpenTelemetry trace per request across every service
// (received by an OTLP/HTTP receiver inside the test), and Prometheus metrics on every service that
// parse and move with traffic.
import assert from 'node:assert/strict';
import { parsePrometheusText, type MetricFamily } from '../../shared/prometheus/index.js';
import { PLUGIN_FILTERED_PREFIX, PLUGIN_SCORE_PREFIX, SpanName } from '../../shared/telemetry/index.js';
import type { CollectedSpan } from '../support/otlp-receiver.js';
import { useCluster } from '../support/cluster.js';
import { OtlpReceiver } from '../support/otlp-receiver.js';

/**
 * About 12,000 tokens: disaggregated by the default config (cost-aware: the prefill worker's backlog plus
 * the transfer must be at most 1.5 × the local prefill, which holds even with a request still reported there).
 */
const LONG_PROMPT = 'Chapter one of the manual for air traffic controllers. '.repeat(1200);

describe('observability of a running cluster', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  // debug: the per-request log lines (decisions, accepted requests) are what the log assertions read.
  const clusterEnv: Record<string, string> = { ATC_LOG_LEVEL: 'debug' };
  before(async () => {
    receiver = await OtlpReceiver.start();
    // The services export http/json (receiver.env() sets OTEL_EXPORTER_OTLP_TRACES_PROTOCOL), which the receiver decodes.
    Object.assign(clusterEnv, receiver.env());
  });
  after(async () => {
    await receiver?.close();
  });
  const env = useCluster({ decodeWorkers: 2, prefillWorkers: 1, env: clusterEnv });

  async function complete(prompt: string, traceparent?: string): Promise<Response> {
    const res = await fetch(`${env.baseUrl}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(traceparent ? { traceparent } : {}) },
      body: JSON.stringify({ model: 'llama-3-8b', prompt, max_tokens: 3, ignore_eos: true }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    await res.arrayBuffer();
    return res;
  }

  const byName = (spans: CollectedSpan[], name: string) => {
    const found = spans.filter((s) => s.name === name);
    assert.equal(found.length, 1, `one ${name} span, got ${found.length}: ${spans.map((s) => `${s.serviceName}/${s.name}`).join(', ')}`);
    return found[0]!;
  };
  const childOf = (child: CollectedSpan, parent: CollectedSpan) =>
    assert.equal(child.parentSpanId, parent.spanId, `${child.name} should be a child of ${parent.name}`);

  it("traces a request across ingress, scheduler, decode worker and engine, under the caller's traceparent", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    await complete('Where should this short request run?', `00-${traceId}-${callerSpan}-01`);
    const needed: string[] = [
      'completions http',
      SpanName.IngressPick,
      SpanName.SchedulerPick,
      SpanName.IngressDispatch,
      SpanName.DecodeGenerate,
      SpanName.EngineGenerate,
    ];
    await receiver.waitForSpans((s) => s.traceId === traceId && needed.includes(s.name), 15_000, needed.length);
    const trace = receiver.spans.filter((s) => s.traceId === traceId);
    const server = byName(trace, 'completions http');
    const pick = byName(trace, SpanName.IngressPick);
    const schedulerPick = byName(trace, SpanName.SchedulerPick);
    const dispatch = byName(trace, SpanName.IngressDispatch);
    const generate = byName(trace, SpanName.DecodeGenerate);
    const engine = byName(trace, SpanName.EngineGenerate);
    assert.equal(server.parentSpanId, callerSpan);
    childOf(pick, server);
    childOf(schedulerPick, pick);
    childOf(dispatch, server);
    childOf(generate, dispatch);
    childOf(engine, generate);
    assert.deepEqual([server.serviceName, schedulerPick.serviceName, generate.serviceName], ['ingress', 'scheduler', 'decode-worker']);
    // The attributes that answer "why was it slow, why did it go there".
    assert.equal(server.attributes['gen_ai.request.model'], 'llama-3-8b');
    assert.equal(server.attributes['gen_ai.usage.output_tokens'], 3);
    assert.ok(Number(server.attributes['gen_ai.usage.input_tokens']) > 0);
    assert.ok(Number(server.attributes['atc.time_to_first_token_ms']) > 0);
    assert.equal(schedulerPick.attributes['atc.decode_worker.id'], generate.attributes['atc.worker.id']);
    assert.equal(schedulerPick.attributes['atc.pd.decision'], 'aggregated');
    assert.ok('atc.prefix_cache.cached_blocks' in schedulerPick.attributes);
    assert.ok('atc.prefix_cache.uncached_tokens' in schedulerPick.attributes);
    assert.ok(
      Object.keys(schedulerPick.attributes).some((k) => k.startsWith(PLUGIN_SCORE_PREFIX)),
      'per-plugin scores',
    );
    assert.ok(
      Object.keys(schedulerPick.attributes).some((k) => k.startsWith(PLUGIN_FILTERED_PREFIX)),
      'per-filter removals',
    );
    assert.ok('atc.engine.queue_time_ms' in generate.attributes);
    assert.ok(Number(generate.attributes['atc.engine.time_to_first_token_ms']) > 0);
    // Logs: the request's lines in every service carry its request id and trace id; no prompt text.
    const requestId = server.attributes['atc.request.id'];
    for (const service of ['ingress', 'scheduler-1', generate.attributes['atc.worker.id'] as string]) {
      const linesOf = () => env.logs.filter((l) => l.startsWith(`[${service}]`) && l.includes(`"trace_id":"${traceId}"`));
      // Logs arrive over the services' stdout pipes, spans over HTTP: either may come first.
      for (let i = 0; i < 50 && linesOf().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      const lines = linesOf();
      assert.ok(lines.length > 0, `${service} logged the request with its trace id`);
      assert.ok(
        lines.every((l) => l.includes(`"requestId":${JSON.stringify(requestId)}`)),
        `${service} lines carry the request id`,
      );
    }
    assert.ok(!env.logs.some((l) => l.includes('Where should this short request run?')), 'prompt text stays out of the logs');
  });

  it('traces a disaggregated request through the prefill worker, correctly parented', async () => {
    receiver.clear();
    const res = await complete(LONG_PROMPT);
    assert.equal(res.headers.get('x-atc-prefill-worker-id'), 'prefill-1');
    const [prefill] = await receiver.waitForSpans((s) => s.name === SpanName.PrefillPrefill, 15_000);
    const traceId = prefill!.traceId;
    // Each service exports on its own schedule: wait for every span the assertions need.
    const needed: string[] = [
      'completions http',
      SpanName.SchedulerPick,
      SpanName.DecodeGenerate,
      SpanName.DecodeRemotePrefill,
      SpanName.EnginePrefill,
    ];
    await receiver.waitForSpans((s) => s.traceId === traceId && needed.includes(s.name), 15_000, needed.length);
    const trace = receiver.spans.filter((s) => s.traceId === traceId);
    const schedulerPick = byName(trace, SpanName.SchedulerPick);
    const generate = byName(trace, SpanName.DecodeGenerate);
    const remote = byName(trace, SpanName.DecodeRemotePrefill);
    childOf(remote, generate);
    childOf(prefill!, remote);
    childOf(byName(trace, SpanName.EnginePrefill), prefill!);
    assert.equal(prefill!.serviceName, 'prefill-worker');
    assert.equal(schedulerPick.attributes['atc.pd.decision'], 'disaggregated');
    assert.equal(schedulerPick.attributes['atc.prefill_worker.id'], 'prefill-1');
    assert.equal(remote.attributes['atc.pd.fallback'], false);
    assert.equal(generate.attributes['atc.pd.fallback'], false);
  });

  describe('metrics', () => {
    async function scrape(service: string): Promise<MetricFamily[]> {
      const url = service === 'ingress' ? `${env.baseUrl}/metrics` : `http://127.0.0.1:${env.cluster.metricsPorts.get(service)}/metrics`;
      const res = await fetch(url);
      assert.equal(res.status, 200, `${service} /metrics`);
      assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8', `${service} /metrics`);
      return parsePrometheusText(await res.text());
    }
    /** Sum of the samples named `name` (a histogram's _count or _sum included) whose labels match. */
    const total = (families: MetricFamily[], name: string, labels: Record<string, string> = {}) =>
      families
        .flatMap((f) => f.samples)
        .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        .reduce((sum, s) => sum + s.value, 0);

    it('every service exposes metrics that parse and move with traffic', async () => {
      const services = ['ingress', 'scheduler-1', 'decode-1', 'decode-2', 'prefill-1'];
      const before = new Map<string, MetricFamily[]>();
      for (const s of services) before.set(s, await scrape(s));
      await complete('A short one to count.');
      // A long prompt no engine holds yet (cached prefixes stay local), so it is disaggregated.
      await complete('Appendix B, a different long document. '.repeat(1500));
      const after = new Map<string, MetricFamily[]>();
      for (const s of services) after.set(s, await scrape(s));
      const delta = (s: string, name: string, labels: Record<string, string> = {}) =>
        total(after.get(s)!, name, labels) - total(before.get(s)!, name, labels);

      assert.equal(delta('ingress', 'atc_ingress_requests_total', { outcome: 'ok' }), 2);
      assert.equal(delta('ingress', 'atc_ingress_time_to_first_token_seconds_count'), 2);
      assert.ok(delta('ingress', 'atc_ingress_generation_tokens_total') >= 6);
      assert.equal(delta('scheduler-1', 'atc_scheduler_picks_total', { outcome: 'ok' }), 2);
      assert.equal(delta('scheduler-1', 'atc_scheduler_decision_duration_seconds_count'), 2);
      assert.equal(delta('scheduler-1', 'atc_scheduler_pd_decisions_total', { decision: 'disaggregated' }), 1);
      assert.ok(delta('scheduler-1', 'atc_scheduler_plugin_duration_seconds_count') > 0, 'per-plugin time');
      assert.equal(delta('decode-1', 'atc_worker_requests_total') + delta('decode-2', 'atc_worker_requests_total'), 2);
      assert.equal(delta('prefill-1', 'atc_worker_kv_handoffs_total', { outcome: 'ok' }), 1);
      // Read at scrape time: the scheduler's live workers, and each worker's engine load.
      assert.equal(total(after.get('scheduler-1')!, 'atc_scheduler_workers', { role: 'decode' }), 2);
      assert.equal(total(after.get('scheduler-1')!, 'atc_scheduler_workers', { role: 'prefill' }), 1);
      for (const s of ['decode-1', 'decode-2', 'prefill-1']) {
        const usage = after
          .get(s)!
          .flatMap((f) => f.samples)
          .find((x) => x.name === 'atc_worker_kv_cache_usage_ratio' && x.labels['worker_id'] === s);
        assert.ok(usage !== undefined && usage.value >= 0 && usage.value <= 1, `${s} kv cache usage gauge`);
      }
      for (const s of services)
        assert.ok(
          after.get(s)!.some((f) => f.name === 'atc_nats_reconnects_total'),
          `${s} counts NATS reconnects`,
        );
    });
  });
});
