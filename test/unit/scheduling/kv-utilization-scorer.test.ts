import assert from 'node:assert/strict';
import type { Scorer, WorkerSnapshot } from '../../../shared/scheduling/index.js';
import { KvUtilizationScorer } from '../../../shared/scheduling/plugins/scorers/kv-utilization-scorer.js';
import { cycle, request, rounded, worker } from './fixtures.js';

interface Row {
  readonly name: string;
  readonly workers: WorkerSnapshot[];
  readonly want: number[];
}

function run(scorer: Scorer, rows: Row[]): void {
  for (const r of rows)
    it(r.name, () => assert.deepEqual(rounded(scorer.score(cycle(request(), r.workers), r.workers)), r.want));
}

describe('kv-cache-utilization-scorer', () => {
  const w = (id: string, usage: number) => worker(id, { load: { kvCacheUsage: usage } });
  run(new KvUtilizationScorer('kv'), [
    { name: 'empty', workers: [], want: [] },
    { name: 'all equal', workers: [w('a', 0.3), w('b', 0.3)], want: [0.7, 0.7] },
    // full cache scores 0, empty scores 1: absolute, not relative to the others.
    { name: 'full and empty', workers: [w('a', 1), w('b', 0)], want: [0, 1] },
  ]);
});
