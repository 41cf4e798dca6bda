// One run of a workload under one policy, in virtual time: the live request path modelled step by step.
//   arrival -> scheduler.decide (worker snapshots as last reported) -> +schedulingLatencyMs -> engine
//   [P/D: prefill replica with do_remote_decode -> +pdHopMs -> decode replica with do_remote_prefill and
//   the returned kv_transfer_params; the prefill's pinned blocks are released at the decode's first token]
//   first token -> inflight.markPrefilled; finish -> +kvEventDelayMs -> scheduler.finish + latency.observe.
import { performance } from 'node:perf_hooks';
import { VirtualClock } from '../../../shared/clock/index.js';
import type { CoreFinish, CpuOffloadOptions, SimEngineCore } from '../../../shared/engine/sim/index.js';
import { computeBlockHashes, Scheduler, seededRandom, type SchedulingRequest } from '../../../shared/scheduling/index.js';
import { calibrateForProfile } from './calibration.js';
import { IDEAL_POLICY, IdealRouter, UnlimitedPrefixStore } from './ideal-policy.js';
import type { RequestOutcome, RunRecord } from './run-record.js';
import { ReuseBound } from './reuse-bound.js';
import { SchedulerRouter, type RunRouter } from './run-router.js';
import { SampleBuffer } from './sample-buffer.js';
import { metricsRefreshMs, policyConfig } from './policies.js';
import { VirtualFleet, type FleetTiming } from './virtual-fleet.js';
import { requestsByStage, type FleetSpec, type PlannedRequest, type Workload } from './workload.js';
import { virtualFlowControl, type VirtualFlowControl } from './virtual-flow-control.js';

export interface VirtualRunOptions extends Partial<FleetTiming> {
  /**
   * ms between our workers' load reports (default 250); a baseline's router refreshes at its upstream's
   * interval instead (policies.ts metricsRefreshMs). loadReportIntervalMs, when given, applies to all.
   */
  readonly workerLoadReportMs?: number;
  readonly seed?: number;
  /** ms from arrival to the engine's queue: the scheduling decision and the NATS hops (default 2). */
  readonly schedulingLatencyMs?: number;
  /** ms from the prefill's finish to the decode request's arrival (default 1). */
  readonly pdHopMs?: number;
  /** ms between worker-load samples for the report (default: adaptive, ≤ ~400 samples). */
  readonly sampleIntervalMs?: number;
  /** Called with the share of requests finished, in [0,1]. */
  readonly onProgress?: (fraction: number) => void;
  /** The policy's scheduler config (YAML), when it is not a built-in policy's. */
  readonly config?: string;
  /** Safety stop, ms of virtual time (default 24 h). */
  readonly maxVirtualMs?: number;
  /**
   * A capacity probe judged on TTFT alone. It stops as soon as more than `misses` measured requests are
   * known to miss the bound of `ttftMs` (failed, first token later than the bound, or still without one
   * past it): the probe can no longer pass. In an open-loop workload it also stops once every measured
   * request has its first token: nothing left to run can change a TTFT (the decode tail of
   * llmd-shared-prefix's 1,000-token answers was most of a probe's cost). The record then says why it
   * stopped and carries the first-token times.
   */
  readonly ttftProbe?: { readonly ttftMs: number; readonly misses: number };
  /**
   * vLLM's native CPU KV offloading on every engine of the fleet (a fleet layout; `ideal` keeps its own
   * unlimited shared cache and ignores it).
   */
  readonly cpuOffload?: CpuOffloadOptions;
  /** Flow control at the scheduler (shared/scheduling/flow-control): requests wait there past saturation. */
  readonly flowControl?: VirtualFlowControl;
}

/** Tokens per KV block: the engines' (vLLM's default) and so the scheduler's. */
const BLOCK_SIZE = 16;

export const DEFAULT_TIMING: FleetTiming = { loadReportIntervalMs: 250, kvEventDelayMs: 2 };

export function runVirtual(workload: Workload, policy: string, fleetSpec: FleetSpec, options: VirtualRunOptions = {}): RunRecord {
  const wallStart = performance.now();
  const seed = options.seed ?? 1;
  const clock = new VirtualClock();
  const timing: FleetTiming = {
    loadReportIntervalMs:
      options.loadReportIntervalMs ??
      metricsRefreshMs(options.config !== undefined ? '' : policy, options.workerLoadReportMs ?? DEFAULT_TIMING.loadReportIntervalMs),
    kvEventDelayMs: options.kvEventDelayMs ?? DEFAULT_TIMING.kvEventDelayMs,
  };
  let fleet: VirtualFleet;
  let router: RunRouter;
  if (policy === IDEAL_POLICY && options.config === undefined) {
    // Every engine hashes blocks alike, so that a block one engine cached is found by all.
    const store = new UnlimitedPrefixStore();
    fleet = new VirtualFleet(fleetSpec, clock, undefined, timing, seed, { externalKv: store, hashSeed: seed });
    router = new IdealRouter(fleet, store, seed, BLOCK_SIZE, seededRandom(seed ^ 0x1dea1));
  } else {
    const config = options.config ?? policyConfig(policy, {}, calibrateForProfile(fleetSpec.profile));
    const scheduler = new Scheduler({ config, random: seededRandom(seed ^ 0x5c4ed), blockSize: BLOCK_SIZE });
    fleet = new VirtualFleet(
      fleetSpec,
      clock,
      scheduler.config.readsPrefixIndex ? scheduler : undefined,
      timing,
      seed,
      options.cpuOffload !== undefined ? { cpuOffload: options.cpuOffload } : {},
    );
    router = new SchedulerRouter(scheduler, fleet);
  }
  const flow =
    options.flowControl !== undefined && router instanceof SchedulerRouter
      ? virtualFlowControl(options.flowControl, router, fleet, clock)
      : undefined;
  const schedulingLatencyMs = options.schedulingLatencyMs ?? 2;
  const pdHopMs = options.pdHopMs ?? 1;
  const outcomes: RequestOutcome[] = [];
  const itl = new SampleBuffer();
  const reuse = new ReuseBound(BLOCK_SIZE);
  const tokensPerSecond: number[] = [];
  const planned = workload.requests;
  const expected = Math.max(1, workload.expectedRequests ?? planned.length);
  const stageGroups = workload.stageBarrier !== undefined ? requestsByStage(workload) : undefined;
  const stageSpans: Array<{ startMs: number; endMs: number }> = [];
  /** ms of arrivals (with a barrier: the stages' arrival spans added up, a lower bound of the run). */
  const lastPlannedMs =
    stageGroups !== undefined
      ? stageGroups.reduce((sum, g) => sum + (g.length > 0 ? g[g.length - 1]!.arrivalMs : 0), 0)
      : planned.length > 0
        ? planned[planned.length - 1]!.arrivalMs
        : 0;
  const sampleIntervalMs = options.sampleIntervalMs ?? Math.max(250, Math.ceil(lastPlannedMs / 300 / 250) * 250);
  const series = { timesMs: [] as number[], load: Object.fromEntries(fleetSpec.replicas.map((r) => [r.id, [] as number[]])) };
  let outstanding = 0;
  /** Requests started so far: seeds each request's output tokens. */
  let started = 0;
  let arrivalsDone = planned.length === 0;
  let endMs = 0;
  const stopRule = options.ttftProbe;
  /** Measured requests known to miss stopRule's bound. */
  let sloMisses = 0;
  /** Measured requests started and without a first token yet: id -> arrival ms. */
  const awaitingFirstToken = new Map<string, number>();
  /** With stopRule: TTFT (ms) of each measured request at its first token, and failures before one. */
  const measuredTtfts: number[] = [];
  let failedBeforeFirstToken = 0;
  let measuredStarted = 0;
  const measuredPlanned = planned.filter((r) => r.warmup !== true).length;

  const sample = () => {
    series.timesMs.push(clock.now());
    for (const [id, core] of fleet.engines) {
      const l = core.load();
      series.load[id]!.push(l.runningRequests + l.waitingRequests);
    }
  };
  let stopSampling = clock.setTimer(0, function tick() {
    sample();
    stopSampling = clock.setTimer(sampleIntervalMs, tick);
  });

  const maybeEnd = () => {
    if (arrivalsDone && outstanding === 0) {
      flow?.close();
      endMs = clock.now();
      sample();
      stopSampling();
      fleet.stop();
    }
  };

  /** Requests of the current barrier stage not yet finished. */
  let stageLeft = 0;
  const startStage = (k: number) => {
    const group = stageGroups![k]!;
    const t0 = clock.now();
    stageSpans[k] = { startMs: t0, endMs: t0 };
    stageLeft = group.length;
    if (k === stageGroups!.length - 1) arrivalsDone = true;
    for (const req of group) schedule({ ...req, arrivalMs: t0 + req.arrivalMs });
    if (group.length === 0) endStage(k);
  };
  const endStage = (k: number) => {
    stageSpans[k]!.endMs = clock.now();
    if (k + 1 < stageGroups!.length) clock.setTimer(workload.stageBarrier!.gapMs, () => startStage(k + 1));
    else maybeEnd();
  };
  /** A request is done (finished or failed): the run may end, or its barrier stage may drain. */
  const settle = (req: PlannedRequest) => {
    outstanding--;
    if (stageGroups !== undefined && --stageLeft === 0) return endStage(req.stage!);
    maybeEnd();
  };

  const fail = (req: PlannedRequest, reason: string, workerId: string, prefillWorkerId?: string) => {
    if (req.warmup !== true && awaitingFirstToken.delete(req.id)) {
      sloMisses++;
      failedBeforeFirstToken++;
    }
    outcomes.push({
      id: req.id,
      arrivalMs: req.arrivalMs,
      stage: req.stage,
      warmup: req.warmup === true,
      workerId,
      prefillWorkerId,
      failed: true,
      failReason: reason,
      ttftMs: NaN,
      e2eMs: clock.now() - req.arrivalMs,
      meanItlMs: NaN,
      promptTokens: 0,
      outputTokens: 0,
      cachedPromptTokens: 0,
      firstAdmissionCachedTokens: 0,
    });
  };

  const start = (req: PlannedRequest) => {
    outstanding++;
    const requestSeed = seed * 100_003 + started++;
    const tokenIds = req.prompt();
    const blockHashes = computeBlockHashes(tokenIds, BLOCK_SIZE);
    reuse.arrive(tokenIds, req.warmup !== true, blockHashes);
    if (stopRule !== undefined && req.warmup !== true) {
      awaitingFirstToken.set(req.id, req.arrivalMs);
      measuredStarted++;
    }
    const sreq: SchedulingRequest = {
      requestId: req.id,
      model: fleet.model,
      tokenIds,
      blockHashes,
      maxTokens: req.maxTokens,
      headers: req.headers ?? {},
    };
    if (flow === undefined) return route(req, tokenIds, sreq, requestSeed);
    flow.submit(
      req,
      sreq,
      () => route(req, tokenIds, sreq, requestSeed),
      (reason) => {
        fail(req, `rejected: ${reason}`, '');
        settle(req);
      },
    );
  };

  const route = (req: PlannedRequest, tokenIds: readonly number[], sreq: SchedulingRequest, requestSeed: number) => {
    let decision;
    try {
      decision = router.decide(sreq, clock.now());
    } catch (err) {
      fail(req, `no decision: ${err instanceof Error ? err.message : String(err)}`, '');
      return settle(req);
    }
    const { decodeId, prefillId } = decision;
    const warm = req.warmup === true;
    const outputs: number[] | undefined = workload.wantsOutputTokens ? [] : undefined;
    let firstTokenMs = NaN;
    let lastTokenMs = NaN;
    let pinnedPrefill: { core: SimEngineCore; id: string } | undefined;
    /** P/D: prompt tokens the prefill engine found cached (it, not the decode engine, computed the prompt). */
    let prefillCachedTokens: number | undefined;

    const onTokens = (ids: readonly number[]) => {
      const now = clock.now();
      const sec = Math.floor(now / 1000);
      tokensPerSecond[sec] = (tokensPerSecond[sec] ?? 0) + ids.length;
      if (Number.isNaN(firstTokenMs)) {
        firstTokenMs = now;
        router.firstToken(req.id, now);
        flow?.firstToken(req.id);
        if (stopRule !== undefined && awaitingFirstToken.delete(req.id)) {
          measuredTtfts.push(now - req.arrivalMs);
          if (now - req.arrivalMs > stopRule.ttftMs) sloMisses++;
        }
        if (pinnedPrefill) {
          pinnedPrefill.core.releaseRemoteBlocks(pinnedPrefill.id);
          pinnedPrefill = undefined;
        }
      } else if (!warm) itl.push(now - lastTokenMs);
      lastTokenMs = now;
      if (outputs) for (const t of ids) outputs.push(t);
    };
    const onFinish = (f: CoreFinish) => {
      const now = clock.now();
      const failed = f.finishReason === 'abort' || f.completionTokens === 0;
      const ttftMs = firstTokenMs - req.arrivalMs;
      outcomes.push({
        id: req.id,
        arrivalMs: req.arrivalMs,
        stage: req.stage,
        warmup: warm,
        workerId: decodeId,
        prefillWorkerId: prefillId,
        failed,
        failReason: failed ? `engine finished with ${f.finishReason}` : undefined,
        ttftMs,
        e2eMs: now - req.arrivalMs,
        meanItlMs: f.completionTokens >= 2 ? (lastTokenMs - firstTokenMs) / (f.completionTokens - 1) : NaN,
        promptTokens: f.promptTokens,
        outputTokens: f.completionTokens,
        cachedPromptTokens: f.cachedPromptTokens,
        firstAdmissionCachedTokens: prefillCachedTokens ?? f.cachedPromptTokens,
      });
      if (outputs !== undefined && !failed) reuse.finish(tokenIds, outputs);
      clock.setTimer(timing.kvEventDelayMs, () => {
        router.finished(req.id, {
          failed,
          uncachedTokens: Math.max(0, f.promptTokens - f.cachedPromptTokens),
          ttftFromDispatchMs: firstTokenMs - dispatchedAtMs,
          ...(f.completionTokens >= 2 ? { tpotMs: (lastTokenMs - firstTokenMs) / (f.completionTokens - 1) } : {}),
        });
        flow?.completed(req.id, f.completionTokens);
      });
      const next = !failed && workload.followUp ? workload.followUp(req, tokenIds, outputs ?? [], now) : undefined;
      if (next) schedule(next);
      settle(req);
    };
    const submitDecode = (kvTransfer?: CoreFinish['kvTransfer']) => {
      try {
        fleet.engine(decodeId).submit(
          {
            requestId: req.id,
            promptTokenIds: tokenIds,
            maxTokens: req.maxTokens,
            ignoreEos: true,
            seed: requestSeed,
            ...(kvTransfer ? { kvTransfer } : {}),
          },
          { onTokens, onFinish },
        );
      } catch (err) {
        fail(req, `decode submit: ${err instanceof Error ? err.message : String(err)}`, decodeId, prefillId);
        router.finished(req.id, { failed: true, uncachedTokens: 0, ttftFromDispatchMs: NaN });
        settle(req);
      }
    };
    const dispatchedAtMs = clock.now() + schedulingLatencyMs;
    clock.setTimer(schedulingLatencyMs, () => {
      if (prefillId === undefined) return submitDecode();
      const core = fleet.engine(prefillId);
      const pid = `${req.id}/prefill`;
      try {
        core.submit(
          { requestId: pid, promptTokenIds: tokenIds, maxTokens: 1, ignoreEos: true, kvTransfer: { do_remote_decode: true } },
          {
            onFinish: (f) => {
              if (f.kvTransfer === undefined || f.finishReason === 'abort') {
                fail(req, `prefill on ${prefillId} finished with ${f.finishReason} and no kv_transfer_params`, decodeId, prefillId);
                router.finished(req.id, { failed: true, uncachedTokens: 0, ttftFromDispatchMs: NaN });
                return settle(req);
              }
              pinnedPrefill = { core, id: pid };
              prefillCachedTokens = f.cachedPromptTokens;
              const kv = f.kvTransfer;
              clock.setTimer(pdHopMs, () => submitDecode(kv));
            },
          },
        );
      } catch (err) {
        fail(req, `prefill submit: ${err instanceof Error ? err.message : String(err)}`, decodeId, prefillId);
        router.finished(req.id, { failed: true, uncachedTokens: 0, ttftFromDispatchMs: NaN });
        settle(req);
      }
    });
  };

  // Arrivals: the planned list (sorted) as one chain of timers, follow-ups as their own timers; with a
  // stage barrier, one stage at a time, each scheduled when the previous one has drained.
  const schedule = (req: PlannedRequest) => {
    outstanding++; // counted from scheduling, so the run does not end while a follow-up waits its think time
    clock.setTimer(Math.max(0, req.arrivalMs - clock.now()), () => {
      outstanding--;
      start(req);
    });
  };
  if (stageGroups !== undefined && stageGroups.length > 0) startStage(0);
  else if (stageGroups === undefined && planned.length > 0) {
    let nextIndex = 0;
    const arriveNext = () => {
      const req = planned[nextIndex++]!;
      start(req);
      while (nextIndex < planned.length && planned[nextIndex]!.arrivalMs <= clock.now()) start(planned[nextIndex++]!);
      if (nextIndex < planned.length) clock.setTimer(planned[nextIndex]!.arrivalMs - clock.now(), arriveNext);
      else {
        arrivalsDone = true;
        maybeEnd();
      }
    };
    clock.setTimer(planned[0]!.arrivalMs, arriveNext);
  } else maybeEnd(); // nothing to run

  const maxVirtualMs = options.maxVirtualMs ?? 24 * 3600_000;
  let lastReported = -1;
  let stopReason: RunRecord['stopReason'];
  const stoppedEarly = () => stopReason !== undefined;
  const openLoop = workload.followUp === undefined;
  const missedSoFar = () => {
    let late = 0;
    for (const arrivalMs of awaitingFirstToken.values()) if (clock.now() - arrivalMs > stopRule!.ttftMs) late++;
    return sloMisses + late;
  };
  while (clock.pendingTimers > 0 && clock.now() < maxVirtualMs) {
    clock.runUntil(clock.now() + 5_000);
    if (stopRule !== undefined) {
      if (missedSoFar() > stopRule.misses) stopReason = 'slo-missed';
      else if (
        openLoop &&
        measuredStarted === measuredPlanned &&
        awaitingFirstToken.size === 0 &&
        (arrivalsDone || stageGroups !== undefined)
      )
        stopReason = 'first-tokens';
      if (stopReason !== undefined) {
        endMs = clock.now();
        fleet.stop();
        break;
      }
    }
    const fraction = Math.min(1, outcomes.length / expected);
    if (options.onProgress && fraction - lastReported >= 0.01) {
      lastReported = fraction;
      options.onProgress(fraction);
    }
  }
  if (!stoppedEarly() && !(arrivalsDone && outstanding === 0)) {
    throw new Error(`run did not finish within ${maxVirtualMs} ms of virtual time (${outstanding} requests outstanding)`);
  }
  let queries = 0;
  let hits = 0;
  for (const core of fleet.engines.values()) {
    const l = core.load();
    queries += l.prefixCacheQueries;
    hits += l.prefixCacheHits;
    core.close();
  }
  outcomes.sort((a, b) => a.arrivalMs - b.arrivalMs || (a.id < b.id ? -1 : 1));
  return {
    policy,
    requests: outcomes,
    itlGapsMs: itl.toArray(),
    tokensPerSecond: Array.from(tokensPerSecond, (x) => x ?? 0),
    workerSeries: series,
    prefixCacheQueries: queries,
    prefixCacheHits: hits,
    reuseBound: { queries: reuse.queries, hits: reuse.hits },
    endMs,
    wallMs: performance.now() - wallStart,
    engineSteps: fleet.engineSteps,
    kvResyncs: fleet.kvResyncs,
    firstResyncReason: fleet.firstResyncReason,
    ...(stageGroups !== undefined ? { stageSpans } : {}),
    ...(stopReason !== undefined ? { stopReason } : {}),
    ...(stopRule !== undefined ? { measuredTtftsMs: measuredTtfts, failedBeforeFirstToken } : {}),
  };
}
