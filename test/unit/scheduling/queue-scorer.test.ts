import { QueueScorer } from '../../../shared/scheduling/plugins/scorers/queue-scorer.js';
import { worker } from './fixtures.js';
import { scorerTable } from './scorer-fixtures.js';

describe('queue-scorer', () => {
  const w = (id: string, waiting: number) => worker(id, { load: { waitingRequests: waiting } });
  scorerTable(new QueueScorer('q'), [
    { name: 'empty', workers: [], want: [] },
    // all equal: nothing to prefer, every worker gets the top score.
    { name: 'all equal', workers: [w('a', 3), w('b', 3)], want: [1, 1] },
    // min-max: shortest queue 1, longest 0, middle linear.
    { name: 'spread 0/5/10', workers: [w('a', 0), w('b', 5), w('c', 10)], want: [1, 0.5, 0] },
    { name: 'full queue vs idle', workers: [w('a', 1000), w('b', 0)], want: [0, 1] },
  ]);
});
