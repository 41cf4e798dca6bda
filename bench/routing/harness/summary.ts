// From a run's raw record to the figures of results.json (field meanings: BENCHMARKS.md).
// Every figure leaves warm-up requests out. The measurement window runs from the first measured
// arrival to the last measured finish; rates are per second of that window.
import { summarize } from '../../stats.js';
import type { RequestOutcome, RunRecord } from './run-record.js';
import type { Slo, Stage } from './workload.js';

export interface LatencyFigures {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

export interface StageFigures {
  readonly label: string;
  readonly offered_load: number;
  readonly completed: number;
  readonly failed: number;
  readonly ttft_ms: LatencyFigures;
  readonly itl_ms: LatencyFigures;
  readonly output_tokens_per_s: number;
  readonly goodput_per_s: number;
}

export interface LoadSpread {
  readonly requests_per_worker: Readonly<Record<string, number>>;
  /** Most requests on one worker / mean over workers (1 = even). */
  readonly max_over_mean: number;
}

export interface PolicyFigures {
  readonly policy: string;
  readonly completed: number;
  readonly failed: number;
  readonly ttft_ms: LatencyFigures;
  readonly itl_ms: LatencyFigures;
  readonly e2e_ms: LatencyFigures;
  readonly output_tokens_per_s: number;
  readonly requests_per_s: number;
  /**
   * Share of the measured requests' prompt tokens found cached at each request's first admission (each
   * request counted once, on the engine that computed its prompt).
   */
  readonly request_hit_rate: number;
  /**
   * vLLM's own counter, prefix_cache_hits / prefix_cache_queries summed over the engines: it counts every
   * lookup, so requests looked up again (blocked at the queue head, preempted) weigh more than once.
   */
  readonly engine_prefix_cache_hit_rate: number;
  /** This run's reuse bound (ReuseBound): one unlimited cache over the measured requests in arrival order. */
  readonly reuse_bound: number;
  readonly goodput_per_s: number;
  readonly slo_attainment: number;
  readonly disaggregated_share: number;
  readonly load_spread: LoadSpread;
  readonly stages?: readonly StageFigures[];
  readonly sim: { readonly virtual_s: number; readonly wall_s: number; readonly engine_steps: number };
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
const round = (x: number, digits = 3) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null) as number;

export function latency(samples: readonly number[] | Float32Array): LatencyFigures {
  const s = summarize(samples);
  return { mean: round(s.mean), p50: round(s.p50), p90: round(s.p90), p99: round(s.p99) };
}

export function meetsSlo(r: RequestOutcome, slo: Slo): boolean {
  if (r.failed || !(r.ttftMs <= slo.ttftMs)) return false;
  return slo.itlMs === undefined || r.outputTokens < 2 || r.meanItlMs <= slo.itlMs;
}

function stageFigures(run: RunRecord, stage: Stage, index: number, slo: Slo): StageFigures {
  const rs = run.requests.filter((r) => r.stage === index);
  const ok = rs.filter((r) => !r.failed);
  const span = run.stageSpans?.[index];
  let seconds: number;
  let tokens = 0;
  if (span !== undefined) {
    // A barrier stage (inference-perf): its own requests' tokens over its span, from its start to its
    // last finish, as inference-perf's per-stage report divides them.
    seconds = Math.max(1e-9, (span.endMs - span.startMs) / 1000);
    for (const r of ok) tokens += r.outputTokens;
  } else {
    seconds = (stage.endMs - stage.startMs) / 1000;
    // Whole seconds of the bins inside the stage (stages start and end on whole seconds in our ladders).
    for (let s = Math.floor(stage.startMs / 1000); s < Math.ceil(stage.endMs / 1000); s++) tokens += run.tokensPerSecond[s] ?? 0;
  }
  return {
    label: stage.label,
    offered_load: stage.offeredLoad,
    completed: ok.length,
    failed: rs.length - ok.length,
    ttft_ms: latency(ok.map((r) => r.ttftMs)),
    itl_ms: latency(ok.filter((r) => r.outputTokens >= 2).map((r) => r.meanItlMs)),
    output_tokens_per_s: round(tokens / seconds, 1),
    goodput_per_s: round(rs.filter((r) => meetsSlo(r, slo)).length / seconds),
  };
}

export function summarizeRun(run: RunRecord, slo: Slo, stages?: readonly Stage[]): PolicyFigures {
  const measured = run.requests.filter((r) => !r.warmup);
  const ok = measured.filter((r) => !r.failed);
  const start = measured.reduce((m, r) => Math.min(m, r.arrivalMs), Infinity);
  const end = measured.reduce((m, r) => Math.max(m, r.arrivalMs + r.e2eMs), -Infinity);
  const seconds = Math.max(1e-9, (end - start) / 1000);
  const perWorker: Record<string, number> = Object.fromEntries(Object.keys(run.workerSeries.load).map((id) => [id, 0]));
  for (const r of measured) if (r.workerId !== '') perWorker[r.workerId] = (perWorker[r.workerId] ?? 0) + 1;
  // Spread over the workers that can take decode work (a prefill-only worker never gets a decode request).
  const counts = Object.values(perWorker).filter((n) => n > 0);
  const mean = counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length);
  const good = measured.filter((r) => meetsSlo(r, slo)).length;
  return {
    policy: run.policy,
    completed: ok.length,
    failed: measured.length - ok.length,
    ttft_ms: latency(ok.map((r) => r.ttftMs)),
    itl_ms: latency(run.itlGapsMs),
    e2e_ms: latency(ok.map((r) => r.e2eMs)),
    output_tokens_per_s: round(ok.reduce((a, r) => a + r.outputTokens, 0) / seconds, 1),
    requests_per_s: round(ok.length / seconds),
    request_hit_rate: round(
      ratio(
        ok.reduce((a, r) => a + r.firstAdmissionCachedTokens, 0),
        ok.reduce((a, r) => a + r.promptTokens, 0),
      ),
      4,
    ),
    engine_prefix_cache_hit_rate: round(ratio(run.prefixCacheHits, run.prefixCacheQueries), 4),
    reuse_bound: round(ratio(run.reuseBound.hits, run.reuseBound.queries), 4),
    goodput_per_s: round(good / seconds),
    slo_attainment: round(measured.length > 0 ? good / measured.length : 0, 4),
    disaggregated_share: round(
      measured.length > 0 ? measured.filter((r) => r.prefillWorkerId !== undefined).length / measured.length : 0,
      4,
    ),
    load_spread: { requests_per_worker: perWorker, max_over_mean: round(counts.length > 0 ? Math.max(...counts) / mean : 0) },
    ...(stages !== undefined
      ? {
          stages: stages
            .map((s, i) => ({ s, i }))
            .filter(({ s }) => !s.warmup)
            .map(({ s, i }) => stageFigures(run, s, i, slo)),
        }
      : {}),
    sim: { virtual_s: round(run.endMs / 1000, 1), wall_s: round(run.wallMs / 1000, 2), engine_steps: run.engineSteps },
  };
}
