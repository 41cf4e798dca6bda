// Step time of one vLLM engine step, roofline-shaped:
//   stepMs = overhead + TP all-reduce + max(compute time, memory time)
//   compute = (2 × params × tokens + attention FLOPs) / TP / (peak FLOP/s × computeEfficiency)
//   memory  = (weights / TP + KV bytes read and written) / (HBM bandwidth × bandwidthEfficiency)
// Weights are read once per step whatever the batch, which is why decode batches are nearly free until
// KV reads or compute take over; prefill of long prompts is compute-bound and grows with context
// (attention FLOPs grow with the tokens already in the context).
import { kvBytesPerTokenPerGpu, weightBytesPerGpu } from './kv-capacity.js';
import type { EngineProfile } from './profile.js';

/** What one step computes, accumulated by the scheduler. */
export class StepWork {
  /** Tokens computed by prefill chunks. */
  prefillTokens = 0;
  /** Σ over prefill query tokens of the context each attends to (tokens), for attention FLOPs. */
  prefillAttendedTokens = 0;
  /** KV tokens read by prefill chunks (their cached/earlier context). */
  prefillContextTokens = 0;
  /** Requests decoding one token. */
  numDecodes = 0;
  /** Σ over decodes of their context length: KV tokens read. */
  decodeContextTokens = 0;

  /** A chunk of numTokens prompt tokens whose first one sits after contextStart tokens already computed. */
  addPrefill(numTokens: number, contextStart: number): void {
    this.prefillTokens += numTokens;
    // Causal: query i attends to contextStart + i + 1 keys.
    this.prefillAttendedTokens += numTokens * contextStart + (numTokens * (numTokens + 1)) / 2;
    this.prefillContextTokens += contextStart;
  }

  /** One decode token for a request whose context (including that token) is contextLen tokens. */
  addDecode(contextLen: number): void {
    this.numDecodes++;
    this.decodeContextTokens += contextLen;
  }

  get isEmpty(): boolean {
    return this.prefillTokens === 0 && this.numDecodes === 0;
  }
}

export interface StepCost {
  readonly totalMs: number;
  readonly computeMs: number;
  readonly memoryMs: number;
}

export class LatencyModel {
  private readonly flopsPerMs: number;
  private readonly bytesPerMs: number;
  private readonly kvBytesPerToken: number;
  private readonly weightBytes: number;
  /** Attention FLOPs per (query, key) pair over all layers: QKᵀ and AV, 2 FLOPs per MAC each. */
  private readonly attentionFlopsPerPair: number;
  private readonly commMs: number;

  constructor(private readonly profile: EngineProfile) {
    const tp = profile.tensorParallelSize;
    this.flopsPerMs = (profile.gpu.peakFlops * profile.computeEfficiency) / 1000;
    this.bytesPerMs = (profile.gpu.hbmBandwidth * profile.bandwidthEfficiency) / 1000;
    this.kvBytesPerToken = kvBytesPerTokenPerGpu(profile);
    this.weightBytes = weightBytesPerGpu(profile);
    const m = profile.model;
    this.attentionFlopsPerPair = (4 * m.numLayers * m.numQueryHeads * m.headDim) / tp;
    this.commMs = tp > 1 ? (m.numLayers * profile.allReduceUsPerLayer) / 1000 : 0;
  }

  /** Step time in ms without jitter; 0 for an empty step. */
  cost(work: StepWork): StepCost {
    if (work.isEmpty) return { totalMs: 0, computeMs: 0, memoryMs: 0 };
    const p = this.profile;
    const tokens = work.prefillTokens + work.numDecodes;
    const linearFlops = (2 * p.model.numParams * tokens) / p.tensorParallelSize;
    const attentionFlops = this.attentionFlopsPerPair * (work.prefillAttendedTokens + work.decodeContextTokens);
    const computeMs = (linearFlops + attentionFlops) / this.flopsPerMs;
    const kvTokens = work.decodeContextTokens + work.prefillContextTokens + work.prefillTokens;
    const memoryMs = (this.weightBytes + kvTokens * this.kvBytesPerToken) / this.bytesPerMs;
    return { totalMs: p.stepOverheadMs + this.commMs + Math.max(computeMs, memoryMs), computeMs, memoryMs };
  }

  stepMs(work: StepWork): number {
    return this.cost(work).totalMs;
  }
}
