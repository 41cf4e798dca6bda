// Do several scheduler replicas in one queue group decide as well as one? Each replica follows the same
// KV events and load reports but sees only its share of the picks (its in-flight ledger knows only its
// own assignments). This runs the same shared-prefix workload through the real cluster (processes, NATS,
// SimEngine on the real clock) with 1 and with N replicas and compares the prefix-cache hit rate (the
// quality of cache-aware decisions) and client latency.
import { LocalCluster } from '../../shared/cluster/local-cluster.js';
import { freePort } from '../../shared/nats/index.js';
import { summarize, type Summary } from '../stats.js';

export interface ReplicaRunResult {
  readonly schedulers: number;
  readonly requests: number;
  /** cached prompt tokens / prompt tokens, over all requests. */
  readonly prefixCacheHitRate: number;
  readonly e2eMs: Summary;
  readonly requestsPerWorker: Record<string, number>;
}

export interface SchedulerReplicasOptions {
  readonly replicaCounts: readonly number[];
  readonly groups: number;
  readonly promptsPerGroup: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
  readonly decodeWorkers: number;
  /** nats-server binary (--nats-server); default: on PATH. */
  readonly natsServer?: string;
}

const systemPrompt = (g: number) =>
  `You are assistant number ${g}. ` + `Group ${g} shares this long system prompt about topic ${g}. `.repeat(120);

async function runOnce(schedulers: number, opts: SchedulerReplicasOptions): Promise<ReplicaRunResult> {
  const cluster = new LocalCluster({
    httpPort: await freePort(),
    decodeWorkers: opts.decodeWorkers,
    prefillWorkers: 0,
    schedulers,
    model: 'llama-3-8b',
    env: { ATC_LOG_LEVEL: 'warn' },
    ...(opts.natsServer ? { natsServer: opts.natsServer } : {}),
  });
  try {
    await cluster.start();
    await cluster.waitReady(60_000);
    // Interleave groups so that consecutive requests rarely share a prefix: the scheduler must remember.
    const jobs: string[] = [];
    for (let k = 0; k < opts.promptsPerGroup; k++)
      for (let g = 0; g < opts.groups; g++) jobs.push(`${systemPrompt(g)}\nQuestion ${k}: what is ${g * 31 + k}?`);
    const url = `http://127.0.0.1:${cluster.options.httpPort}/v1/completions`;
    let prompt = 0;
    let cached = 0;
    const e2e: number[] = [];
    const perWorker: Record<string, number> = {};
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const text = jobs[next++]!;
        const t0 = performance.now();
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'llama-3-8b', prompt: text, max_tokens: 16, ignore_eos: true }),
        });
        const body = (await res.json()) as { usage?: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } } };
        if (!res.ok || !body.usage) throw new Error(`request failed: ${res.status} ${JSON.stringify(body)}`);
        e2e.push(performance.now() - t0);
        prompt += body.usage.prompt_tokens;
        cached += body.usage.prompt_tokens_details.cached_tokens;
        const id = res.headers.get('x-atc-worker-id') ?? '?';
        perWorker[id] = (perWorker[id] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    return { schedulers, requests: jobs.length, prefixCacheHitRate: cached / prompt, e2eMs: summarize(e2e), requestsPerWorker: perWorker };
  } finally {
    await cluster.stop();
  }
}

export async function runSchedulerReplicasBench(opts: SchedulerReplicasOptions): Promise<ReplicaRunResult[]> {
  const results: ReplicaRunResult[] = [];
  for (const n of opts.replicaCounts) results.push(await runOnce(n, opts));
  return results;
}
