import { RunningRequestsScorer } from '../../../shared/scheduling/plugins/scorers/running-requests-scorer.js';
import { worker } from './fixtures.js';
import { scorerTable } from './scorer-fixtures.js';

describe('running-requests-scorer', () => {
  const w = (id: string, running: number) => worker(id, { load: { runningRequests: running } });
  scorerTable(new RunningRequestsScorer('run'), [
    { name: 'empty', workers: [], want: [] },
    { name: 'all equal', workers: [w('a', 7), w('b', 7)], want: [1, 1] },
    { name: 'spread 0/64/256', workers: [w('a', 0), w('b', 64), w('c', 256)], want: [1, 0.75, 0] },
  ]);
});
