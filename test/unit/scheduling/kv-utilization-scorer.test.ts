import { KvUtilizationScorer } from '../../../shared/scheduling/plugins/scorers/kv-utilization-scorer.js';
import { worker } from './fixtures.js';
import { scorerTable } from './scorer-fixtures.js';

describe('kv-cache-utilization-scorer', () => {
  const w = (id: string, usage: number) => worker(id, { load: { kvCacheUsage: usage } });
  scorerTable(new KvUtilizationScorer('kv'), [
    { name: 'empty', workers: [], want: [] },
    { name: 'all equal', workers: [w('a', 0.3), w('b', 0.3)], want: [0.7, 0.7] },
    // full cache scores 0, empty scores 1: absolute, not relative to the others.
    { name: 'full and empty', workers: [w('a', 1), w('b', 0)], want: [0, 1] },
  ]);
});
