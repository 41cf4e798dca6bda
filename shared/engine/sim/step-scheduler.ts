// vLLM v1's Scheduler.schedule() for one step: running requests first (decodes and unfinished chunked
// prefills, in order, each taking min(remaining, budget) tokens), preempting the most recently
// scheduled running request (recompute: its blocks freed, back to the front of the waiting queue) when
// blocks run out; then, only if nothing was preempted, waiting requests in FIFO order until the token
// budget, max_num_seqs or the KV cache stops the queue (head-of-line, like vLLM's FCFS policy).
import type { KvCache, PrefixHit } from './kv-cache.js';
import { StepWork } from './latency-model.js';
import { RequestStatus, type SimRequest } from './sim-request.js';

export interface ScheduledEntry {
  readonly request: SimRequest;
  /** Tokens this step computes for the request. */
  readonly numTokens: number;
}

export interface ScheduledStep {
  readonly entries: readonly ScheduledEntry[];
  readonly work: StepWork;
  readonly preempted: readonly SimRequest[];
}

export interface SchedulerLimits {
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
}

/** Outcome of starting a P/D pull: nothing to pull, pull started, or no free blocks for it. */
export const RemotePull = { Ready: 'ready', Started: 'started', Blocked: 'blocked' } as const;
export type RemotePull = (typeof RemotePull)[keyof typeof RemotePull];

/** Called for a P/D decode-side request before its first scheduling: allocates its blocks and starts the pull. */
export type RemotePrefillStarter = (request: SimRequest, hit: PrefixHit) => RemotePull;

export class StepScheduler {
  readonly waiting: SimRequest[] = [];
  readonly running: SimRequest[] = [];

  constructor(
    private readonly kv: KvCache,
    private readonly limits: SchedulerLimits,
    private readonly startRemotePrefill: RemotePrefillStarter,
    private readonly now: () => number,
    /** Starts loading a hit's host-memory blocks (a CPU offload tier); absent: external hits count as computed at once. */
    private readonly startExternalLoad?: RemotePrefillStarter,
  ) {}

  add(request: SimRequest): void {
    this.waiting.push(request);
  }

  /** Removes a request from whichever queue holds it; returns whether it was there. */
  remove(request: SimRequest): boolean {
    for (const queue of [this.running, this.waiting]) {
      const i = queue.indexOf(request);
      if (i >= 0) {
        queue.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  get hasWork(): boolean {
    return this.running.length > 0 || this.waiting.some((r) => r.status === RequestStatus.Waiting || r.remoteKvLoaded);
  }

  schedule(): ScheduledStep {
    const entries: ScheduledEntry[] = [];
    const preempted: SimRequest[] = [];
    const work = new StepWork();
    let budget = this.limits.maxNumBatchedTokens;

    for (let i = 0; i < this.running.length && budget > 0;) {
      const request = this.running[i]!;
      const numNew = Math.min(request.numTokens - request.numComputedTokens, budget);
      if (numNew <= 0) {
        i++;
        continue;
      }
      let scheduled = false;
      for (;;) {
        if (this.kv.allocateSlots(request, numNew)) {
          scheduled = true;
          break;
        }
        const victim = this.running.pop()!;
        this.preempt(victim);
        preempted.push(victim);
        if (victim === request) break;
      }
      if (!scheduled) break; // the request preempted itself: it was the last running one
      this.record(entries, work, request, numNew);
      budget -= numNew;
      i++;
    }

    if (preempted.length === 0) {
      for (let i = 0; i < this.waiting.length && budget > 0;) {
        if (this.running.length >= this.limits.maxNumSeqs) break;
        const request = this.waiting[i]!;
        if (request.status === RequestStatus.WaitingForRemoteKv && !request.remoteKvLoaded) {
          i++; // still on the link: vLLM skips it and looks at the next waiting request
          continue;
        }
        let hit: PrefixHit | undefined;
        if (request.numComputedTokens === 0) hit = this.kv.findCachedPrefix(request);
        if (request.isRemotePrefillDecode && !request.remoteKvLoaded) {
          const pull = this.startRemotePrefill(request, hit ?? { blocks: [], numTokens: 0 });
          if (pull === RemotePull.Blocked) break;
          if (pull === RemotePull.Started) {
            i++;
            continue;
          }
        }
        if (
          hit !== undefined &&
          (hit.numExternalBlocks ?? 0) > 0 &&
          this.startExternalLoad !== undefined &&
          !request.isRemotePrefillDecode
        ) {
          const load = this.startExternalLoad(request, hit);
          if (load === RemotePull.Blocked) break;
          if (load === RemotePull.Started) {
            i++;
            continue;
          }
        }
        const hitTokens = hit?.numTokens ?? 0;
        const numNew = Math.min(request.numTokens - request.numComputedTokens - hitTokens, budget);
        if (!this.kv.allocateSlots(request, numNew, hit)) break;
        this.waiting.splice(i, 1);
        this.running.push(request);
        request.status = RequestStatus.Running;
        if (request.firstScheduledMs === null) request.firstScheduledMs = this.now();
        if (request.numCachedTokens < 0) request.numCachedTokens = hitTokens + request.numRemoteTokens;
        request.numComputedTokens += hitTokens;
        this.record(entries, work, request, numNew);
        budget -= numNew;
      }
    }
    return { entries, work, preempted };
  }

  private record(entries: ScheduledEntry[], work: StepWork, request: SimRequest, numNew: number): void {
    const start = request.numComputedTokens;
    // A single token at the end of the sequence is a decode; anything else is (a chunk of) prefill,
    // including the recompute of a preempted request.
    if (numNew === 1 && start + 1 === request.numTokens && start >= request.numPromptTokens) work.addDecode(start + 1);
    else work.addPrefill(numNew, start);
    request.numComputedTokens = start + numNew;
    entries.push({ request, numTokens: numNew });
  }

  private preempt(request: SimRequest): void {
    this.kv.free(request.requestId);
    request.numComputedTokens = 0;
    request.status = RequestStatus.Waiting;
    request.numPreemptions++;
    this.waiting.unshift(request);
  }
}
