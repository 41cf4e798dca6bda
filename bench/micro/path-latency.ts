// Measures what llm-atc adds to a request's time to first token: the client's time for a one-token
// completion through ingress -> scheduler -> decode worker (every service its own process, real NATS),
// minus the engine's own first-token delay (reported in x-atc-engine-ttft-ms). Sequential requests, so
// nothing queues: the difference is HTTP + NATS hops + scheduling.
import { LocalCluster } from '../../shared/cluster/local-cluster.js';
import { freePort } from '../../shared/nats/index.js';
import { summarize } from '../stats.js';

export interface PathLatencyOptions {
  readonly requests: number;
  readonly warmup: number;
  /** nats-server binary (--nats-server); default: on PATH. */
  readonly natsServer?: string;
}

export async function runPathLatencyBench(
  opts: PathLatencyOptions,
): Promise<{ overheadMs: ReturnType<typeof summarize>; clientMs: ReturnType<typeof summarize> }> {
  const cluster = new LocalCluster({
    httpPort: await freePort(),
    decodeWorkers: 2,
    prefillWorkers: 0,
    schedulers: 1,
    model: 'llama-3-8b',
    env: { ATC_LOG_LEVEL: 'warn' },
    ...(opts.natsServer ? { natsServer: opts.natsServer } : {}),
  });
  try {
    await cluster.start();
    await cluster.waitReady(60_000);
    const url = `http://127.0.0.1:${cluster.options.httpPort}/v1/completions`;
    const overhead: number[] = [];
    const client: number[] = [];
    for (let i = 0; i < opts.warmup + opts.requests; i++) {
      const t0 = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'llama-3-8b', prompt: `request ${i}: what is the weather like today?`, max_tokens: 1 }),
      });
      await res.arrayBuffer();
      const elapsed = performance.now() - t0;
      if (!res.ok) throw new Error(`request ${i} failed with ${res.status}`);
      if (i < opts.warmup) continue;
      client.push(elapsed);
      overhead.push(elapsed - Number(res.headers.get('x-atc-engine-ttft-ms')));
    }
    return { overheadMs: summarize(overhead), clientMs: summarize(client) };
  } finally {
    await cluster.stop();
  }
}
