// --live: the scenario's scaled-down variant through the real cluster (LocalCluster: nats-server and
// every service as its own process, SimEngine on the real clock), driven over HTTP with token-id prompts
// (/v1/completions, ignore_eos, max_tokens, stream), so virtual-time figures can be checked against the
// real path. The live scheduler runs its default config, so the figures are reported as policy `atc`.
import { performance } from 'node:perf_hooks';
import { LocalCluster } from '../../../shared/cluster/local-cluster.js';
import { freePort } from '../../../shared/nats/index.js';
import { ATC_POLICY } from '../harness/policies.js';
import type { RequestOutcome, RunRecord } from '../harness/run-record.js';
import { SampleBuffer } from '../harness/sample-buffer.js';
import { summarizeRun } from '../harness/summary.js';
import { requestsByStage, type PlannedRequest } from '../harness/workload.js';
import { cdfPoints } from '../arm.js';
import type { ScenarioResults } from '../run-scenario.js';
import type { FlagValues, Scenario } from '../scenarios/scenario.js';

const MODEL = 'llama-3-8b';

interface StreamResult {
  readonly ttftMs: number;
  readonly e2eMs: number;
  readonly gaps: number[];
  readonly outputTokens: number;
  readonly failed: string | undefined;
}

async function streamCompletion(url: string, req: PlannedRequest, tokenIds: readonly number[]): Promise<StreamResult> {
  const t0 = performance.now();
  const gaps: number[] = [];
  let first = NaN;
  let last = NaN;
  let chunks = 0;
  let usageTokens: number | undefined;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(req.headers ?? {}) },
      body: JSON.stringify({
        model: MODEL,
        prompt: tokenIds,
        max_tokens: req.maxTokens,
        ignore_eos: true,
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    if (!res.ok || res.body === null)
      return { ttftMs: NaN, e2eMs: performance.now() - t0, gaps, outputTokens: 0, failed: `HTTP ${res.status}: ${await res.text()}` };
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(part, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 2);
        if (!event.startsWith('data:')) continue;
        const data = event.slice(5).trim();
        if (data === '[DONE]') continue;
        const body = JSON.parse(data) as {
          choices?: Array<{ text?: string }>;
          usage?: { completion_tokens?: number };
          error?: { message?: string };
        };
        if (body.error)
          return {
            ttftMs: first - t0,
            e2eMs: performance.now() - t0,
            gaps,
            outputTokens: chunks,
            failed: body.error.message ?? 'error event',
          };
        if (body.usage?.completion_tokens !== undefined) usageTokens = body.usage.completion_tokens;
        if ((body.choices?.length ?? 0) > 0) {
          const now = performance.now();
          if (Number.isNaN(first)) first = now;
          else gaps.push(now - last);
          last = now;
          chunks++;
        }
      }
    }
  } catch (err) {
    return { ttftMs: NaN, e2eMs: performance.now() - t0, gaps, outputTokens: 0, failed: String(err) };
  }
  return {
    ttftMs: first - t0,
    e2eMs: performance.now() - t0,
    gaps,
    outputTokens: usageTokens ?? chunks,
    failed: Number.isNaN(first) ? 'no token' : undefined,
  };
}

export async function runLive(
  scenario: Scenario,
  flags: FlagValues,
  seed: number,
  command: string,
  natsServer?: string,
): Promise<ScenarioResults> {
  const layout = scenario.layouts(flags, true)[0]!;
  const decodeWorkers = layout.fleet.replicas.filter((r) => r.role !== 'prefill').length;
  const prefillWorkers = layout.fleet.replicas.length - decodeWorkers;
  const built = scenario.build({ seed, flags, live: true });
  const cluster = new LocalCluster({
    httpPort: await freePort(),
    decodeWorkers,
    prefillWorkers,
    schedulers: 1,
    model: MODEL,
    env: { ATC_LOG_LEVEL: 'warn' },
    ...(natsServer ? { natsServer } : {}),
  });
  const outcomes: RequestOutcome[] = [];
  const itl = new SampleBuffer();
  const tokensPerSecond: number[] = [];
  const wallStart = performance.now();
  const stageSpans: Array<{ startMs: number; endMs: number }> = [];
  try {
    await cluster.start();
    await cluster.waitReady(60_000);
    const url = `http://127.0.0.1:${cluster.options.httpPort}/v1/completions`;
    const t0 = performance.now();
    const pending: Promise<void>[] = [];
    const launch = (req: PlannedRequest): Promise<void> =>
      (async () => {
        const wait = req.arrivalMs - (performance.now() - t0);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const arrivalMs = performance.now() - t0;
        const tokenIds = req.prompt();
        const r = await streamCompletion(url, req, tokenIds);
        if (!req.warmup) for (const g of r.gaps) itl.push(g);
        const sec = Math.floor((arrivalMs + r.e2eMs) / 1000);
        tokensPerSecond[sec] = (tokensPerSecond[sec] ?? 0) + r.outputTokens;
        outcomes.push({
          id: req.id,
          arrivalMs,
          stage: req.stage,
          warmup: req.warmup === true,
          workerId: '',
          prefillWorkerId: undefined,
          failed: r.failed !== undefined,
          failReason: r.failed,
          ttftMs: r.ttftMs,
          e2eMs: r.e2eMs,
          meanItlMs: r.outputTokens >= 2 ? (r.e2eMs - r.ttftMs) / (r.outputTokens - 1) : NaN,
          promptTokens: tokenIds.length,
          outputTokens: r.outputTokens,
          cachedPromptTokens: 0,
          firstAdmissionCachedTokens: 0,
        });
        // Live answers come back as text: a follow-up turn carries the prompt and new user tokens only.
        const next = r.failed === undefined ? built.workload.followUp?.(req, tokenIds, [], performance.now() - t0) : undefined;
        if (next) pending.push(launch(next));
      })();
    if (built.workload.stageBarrier !== undefined) {
      // inference-perf's stages: each sent from its own start, drained, then the gap.
      const groups = requestsByStage(built.workload);
      for (const [k, group] of groups.entries()) {
        const startMs = performance.now() - t0;
        await Promise.all(group.map((req) => launch({ ...req, arrivalMs: startMs + req.arrivalMs })));
        stageSpans[k] = { startMs, endMs: performance.now() - t0 };
        if (k + 1 < groups.length) await new Promise((r) => setTimeout(r, built.workload.stageBarrier!.gapMs));
      }
    } else {
      for (const req of built.workload.requests) pending.push(launch(req));
    }
    for (let i = 0; i < pending.length; i++) await pending[i];
  } finally {
    await cluster.stop();
  }
  outcomes.sort((a, b) => a.arrivalMs - b.arrivalMs);
  const end = outcomes.reduce((m, r) => Math.max(m, r.arrivalMs + r.e2eMs), 0);
  const run: RunRecord = {
    policy: ATC_POLICY,
    requests: outcomes,
    itlGapsMs: itl.toArray(),
    tokensPerSecond: Array.from(tokensPerSecond, (x) => x ?? 0),
    workerSeries: { timesMs: [], load: {} },
    prefixCacheQueries: 0,
    prefixCacheHits: 0,
    reuseBound: { queries: 0, hits: 0 },
    endMs: end,
    wallMs: performance.now() - wallStart,
    engineSteps: 0,
    kvResyncs: 0,
    firstResyncReason: undefined,
    ...(built.workload.stageBarrier !== undefined ? { stageSpans } : {}),
  };
  const f = summarizeRun(run, built.slo, built.stages);
  const ttfts = outcomes
    .filter((r) => !r.warmup && !r.failed)
    .map((r) => r.ttftMs)
    .sort((a, b) => a - b);
  return {
    scenario: scenario.name,
    description: `live, ${layout.name}: ${built.description}`,
    command,
    seed,
    mode: 'live',
    slo: { ttft_ms: built.slo.ttftMs, itl_ms: built.slo.itlMs ?? null },
    capacity_unit: scenario.capacity.unit,
    harness: { load_report_interval_ms: 250, kv_event_delay_ms: 0, scheduling_latency_ms: 0 },
    reuse_bound: null,
    policies: [
      {
        name: `${ATC_POLICY} (live)`,
        layout: layout.name,
        metrics_refresh_ms: 250,
        ...f,
        request_hit_rate: NaN,
        engine_prefix_cache_hit_rate: NaN,
        reuse_bound: NaN,
      },
    ],
    plots: [{ name: `${ATC_POLICY} (live)`, ttftCdf: cdfPoints(ttfts), workerSeries: run.workerSeries }],
  };
}
