import assert from 'node:assert/strict';
import { BASELINE_CONFIGS, DEFAULT_SCHEDULER_CONFIG } from '../../../shared/scheduling/index.js';
import { runToyCluster, type ToyCluster, type ToyWorkload } from './toy-cluster.js';

// 64 tenants × 3,000-token shared prefixes = 12,000 blocks of working set; each of 8 workers caches 2,000
// blocks (~10 tenants). Round-robin shows every tenant to every worker, so LRU thrashes; a cache-aware
// policy partitions tenants and keeps them resident. At 20 req/s a cold prefill (~0.33 s) loads 8 workers
// to ~80%, so misses also queue.
const workload: ToyWorkload = { tenants: 64, sharedTokens: 3000, uniqueTokens: 200, requests: 1500, ratePerS: 20 };
const cluster: ToyCluster = { workers: 8, cacheBlocks: 2000, prefillTokensPerS: 10_000, overheadMs: 5, decodeMs: 2000 };

describe('policy comparison on a toy shared-prefix cluster', function () {
  this.timeout(60_000);
  const results = new Map<string, ReturnType<typeof runToyCluster>>();
  before(() => {
    results.set('default', runToyCluster(DEFAULT_SCHEDULER_CONFIG, workload, cluster));
    results.set('round-robin', runToyCluster(BASELINE_CONFIGS['round-robin'], workload, cluster));
    results.set('llmd-precise', runToyCluster(BASELINE_CONFIGS['llmd-precise'], workload, cluster));
  });

  it('default beats round-robin by a wide margin (mean TTFT under half)', () => {
    const d = results.get('default')!;
    const rr = results.get('round-robin')!;
    assert.ok(d.meanTtftMs < 0.5 * rr.meanTtftMs, JSON.stringify(Object.fromEntries(results)));
    assert.ok(d.hitRate > rr.hitRate + 0.3, JSON.stringify(Object.fromEntries(results)));
  });

  it('default is at least as good as llm-d precise weights (within 10%)', () => {
    const d = results.get('default')!;
    const llmd = results.get('llmd-precise')!;
    assert.ok(d.meanTtftMs <= 1.1 * llmd.meanTtftMs, JSON.stringify(Object.fromEntries(results)));
  });
});
