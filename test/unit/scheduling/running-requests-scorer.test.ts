import assert from 'node:assert/strict';
import type { Scorer, WorkerSnapshot } from '../../../shared/scheduling/index.js';
import { RunningRequestsScorer } from '../../../shared/scheduling/plugins/scorers/running-requests-scorer.js';
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

describe('running-requests-scorer', () => {
  const w = (id: string, running: number) => worker(id, { load: { runningRequests: running } });
  run(new RunningRequestsScorer('run'), [
    { name: 'empty', workers: [], want: [] },
    { name: 'all equal', workers: [w('a', 7), w('b', 7)], want: [1, 1] },
    { name: 'spread 0/64/256', workers: [w('a', 0), w('b', 64), w('c', 256)], want: [1, 0.75, 0] },
  ]);
});
