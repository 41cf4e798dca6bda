import assert from 'node:assert/strict';
import { ModelFilter } from '../../../shared/scheduling/plugins/filters/model-filter.js';
import type { WorkerSnapshot } from '../../../shared/scheduling/index.js';
import { MODEL, cycle, request, worker } from './fixtures.js';

const ids = (ws: readonly WorkerSnapshot[]) => ws.map((w) => w.id);

describe('model-filter', () => {
  const f = new ModelFilter('model-filter');
  const rows: Array<{ name: string; workers: WorkerSnapshot[]; want: string[] }> = [
    { name: 'empty: nothing to keep', workers: [], want: [] },
    { name: 'all serve the model: all kept', workers: [worker('a'), worker('b')], want: ['a', 'b'] },
    { name: 'one serves another model only: removed', workers: [worker('a'), worker('b', { models: ['other'] })], want: ['a'] },
    { name: 'multi-model worker serving it: kept', workers: [worker('a', { models: ['other', MODEL] })], want: ['a'] },
    { name: 'none serves it: all removed', workers: [worker('a', { models: [] })], want: [] },
  ];
  for (const r of rows) it(r.name, () => assert.deepEqual(ids(f.filter(cycle(request(), r.workers), r.workers)), r.want));
});
