// What a benchmark scenario hands the harness: requests with arrival times and token-id prompts, the
// fleet they run on, and the service-level objective its figures are judged by.
import type { WorkerRole } from '../../../shared/scheduling/index.js';

export interface PlannedRequest {
  readonly id: string;
  /** ms of virtual time from the start of the run. */
  readonly arrivalMs: number;
  /** Prompt token ids, built at arrival so a long trace never holds every prompt in memory. */
  readonly prompt: () => readonly number[];
  /** Output tokens (ignore_eos: exactly this many). */
  readonly maxTokens: number;
  /** Request headers the scheduler reads (lower-case), e.g. x-session-id. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Index into Workload.stages. */
  readonly stage?: number;
  /** Warm-up traffic: served, but left out of every figure. */
  readonly warmup?: boolean;
}

/** One step of a load ladder. */
export interface Stage {
  readonly label: string;
  /** Offered load of the stage (requests/s for synthetic scenarios). */
  readonly offeredLoad: number;
  /** ms, [startMs, endMs). */
  readonly startMs: number;
  readonly endMs: number;
  readonly warmup: boolean;
}

export interface Workload {
  /** Sorted by arrivalMs (by stage, then arrivalMs, with stageBarrier). */
  readonly requests: readonly PlannedRequest[];
  readonly stages?: readonly Stage[];
  /**
   * inference-perf's stage semantics: its load generator sends a stage's requests, waits until every one
   * of them has finished, sleeps its `interval`, then starts the next stage (kubernetes-sigs/inference-perf,
   * inference_perf/loadgen/load_generator.py, run_stage). When set, every request has a stage, its
   * arrivalMs counts from its stage's start, and stage k+1 starts gapMs after the last request of stage k
   * finished; the run records each stage's actual span.
   */
  readonly stageBarrier?: { readonly gapMs: number };
  /** Requests the run will see in all, follow-ups included (for the progress bar); default requests.length. */
  readonly expectedRequests?: number;
  /** Keep each request's output token ids for followUp (chat: the answer is part of the next prompt). */
  readonly wantsOutputTokens?: boolean;
  /** Closed-loop traffic: the request that follows `done`, given its prompt, its output and when it finished (ms). */
  readonly followUp?: (
    done: PlannedRequest,
    promptTokenIds: readonly number[],
    outputTokenIds: readonly number[],
    finishMs: number,
  ) => PlannedRequest | undefined;
}

export interface ReplicaSpec {
  readonly id: string;
  readonly role: WorkerRole;
}

export interface FleetSpec {
  /** SimEngine profile name (shared/engine/sim profile registry). */
  readonly profile: string;
  readonly replicas: readonly ReplicaSpec[];
}

/** Service-level objective: a request meets it when both bounds hold. */
export interface Slo {
  /** ms, time to first token. */
  readonly ttftMs: number;
  /** ms, the request's mean inter-token latency; no bound when absent. */
  readonly itlMs?: number;
}

/** Requests grouped by stage index, in stage order, one group for every stage (for stageBarrier workloads). */
export function requestsByStage(workload: Workload): PlannedRequest[][] {
  if (workload.followUp !== undefined) throw new Error('a workload cannot have both a stage barrier and follow-up requests');
  const groups: PlannedRequest[][] = Array.from({ length: workload.stages?.length ?? 0 }, () => []);
  for (const r of workload.requests) {
    if (r.stage === undefined) throw new Error(`request ${r.id} has no stage (a stageBarrier workload needs one on every request)`);
    (groups[r.stage] ??= []).push(r);
  }
  for (let i = 0; i < groups.length; i++) groups[i] ??= [];
  return groups;
}

/**
 * An aggregated fleet: n engines that each prefill and decode, started with kv_role kv_both so that any of
 * them can prefill for a peer (cache-holder prefill, pd-profile-handler's cacheHolderPrefill). Role
 * `both`: the same engines as role `decode` for every policy that does not split prefill off (the
 * dedicated P/D split needs role `prefill`), named decode-1..n as before.
 */
export function aggregatedReplicas(n: number): ReplicaSpec[] {
  return replicas(n, 'both', 'decode');
}

/** n replicas named `${prefix}-${i}` (1-based) with one role. */
export function replicas(n: number, role: WorkerRole, prefix: string = role): ReplicaSpec[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i + 1}`, role }));
}
