// `ideal`: a reference for how much headroom any router has on a workload, not a deployable policy.
// Every engine reads from one shared prefix cache of unlimited size at no transfer cost: a block any
// engine ever computed is a hit on every engine, forever, and is read where it is, so it takes no GPU
// memory on the engine that reads it (a router that keeps a prefix on one engine saves that memory too,
// by sharing one copy among its requests; here every engine has that saving for every prefix). Each
// request goes to the engine with the least outstanding work, read exactly and at once from the engines
// rather than from lagging reports: the fewest prompt tokens still to prefill (what delays a new
// request's first token), then the fewest requests in flight (decode load), then a seeded coin. With
// one cache shared by all, where a request runs no longer decides what it finds cached, so placement can
// balance load alone.
import { hashBlockTokens, noneHash, type BlockHash, type ExternalKvStore } from '../../../shared/engine/sim/index.js';
import type { SchedulingRequest } from '../../../shared/scheduling/index.js';
import type { RequestEnd, RoutedRequest, RunRouter } from './run-router.js';
import type { VirtualFleet } from './virtual-fleet.js';

export const IDEAL_POLICY = 'ideal';

/** The shared unlimited cache: every block any engine has cached, by the engines' (common) block hash. */
export class UnlimitedPrefixStore implements ExternalKvStore {
  readonly residentInGpu = false;
  private readonly keys = new Set<string>();

  matchFrom(hashes: readonly BlockHash[], from: number, end: number): number {
    let n = 0;
    while (from + n < end && this.keys.has(hashes[from + n]!.key)) n++;
    return n;
  }

  stored(hashes: readonly BlockHash[], from: number, end: number): void {
    for (let i = from; i < end; i++) this.keys.add(hashes[i]!.key);
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }
}

export class IdealRouter implements RunRouter {
  /** Per engine: prompt tokens assigned and not yet prefilled (its first token not yet seen). */
  private readonly pendingPrefill = new Map<string, number>();
  private readonly assigned = new Map<string, { readonly workerId: string; readonly tokens: number; prefilled: boolean }>();
  private readonly root: BlockHash;

  constructor(
    private readonly fleet: VirtualFleet,
    private readonly store: UnlimitedPrefixStore,
    /** The engines' common hash seed, so that this router hashes prompts as they do. */
    hashSeed: number,
    private readonly blockSize: number,
    private readonly random: () => number,
  ) {
    this.root = noneHash(hashSeed);
    // Aggregated serving: every engine that can decode takes whole requests.
    for (const r of fleet.spec.replicas) if (r.role !== 'prefill') this.pendingPrefill.set(r.id, 0);
  }

  decide(request: SchedulingRequest, _nowMs: number): RoutedRequest {
    let best: string[] = [];
    let bestWork = Infinity;
    let bestRequests = Infinity;
    for (const [id, work] of this.pendingPrefill) {
      const requests = this.fleet.engine(id).activeRequests;
      if (work < bestWork || (work === bestWork && requests < bestRequests)) {
        best = [id];
        bestWork = work;
        bestRequests = requests;
      } else if (work === bestWork && requests === bestRequests) best.push(id);
    }
    const workerId = best[Math.min(best.length - 1, Math.floor(this.random() * best.length))]!;
    const tokens = this.uncachedTokens(request.tokenIds);
    this.assigned.set(request.requestId, { workerId, tokens, prefilled: false });
    this.pendingPrefill.set(workerId, this.pendingPrefill.get(workerId)! + tokens);
    return { decodeId: workerId };
  }

  firstToken(requestId: string): void {
    const a = this.assigned.get(requestId);
    if (a === undefined || a.prefilled) return;
    a.prefilled = true;
    this.pendingPrefill.set(a.workerId, this.pendingPrefill.get(a.workerId)! - a.tokens);
  }

  finished(requestId: string, _end: RequestEnd): void {
    this.firstToken(requestId);
    this.assigned.delete(requestId);
  }

  /** Prompt tokens not in the shared cache now, by the engines' hit rule (whole blocks, never the last token). */
  private uncachedTokens(tokenIds: readonly number[]): number {
    const bs = this.blockSize;
    const maxBlocks = Math.floor((tokenIds.length - 1) / bs);
    let parent = this.root;
    let n = 0;
    while (n < maxBlocks) {
      parent = hashBlockTokens(parent, tokenIds, n * bs, (n + 1) * bs);
      if (!this.store.has(parent.key)) break;
      n++;
    }
    return tokenIds.length - n * bs;
  }
}
