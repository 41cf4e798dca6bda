import assert from 'node:assert/strict';
import { HealthFilter } from '../../../shared/scheduling/plugins/filters/health-filter.js';
import type { WorkerSnapshot } from '../../../shared/scheduling/index.js';
import { NOW_MS, cycle, request, worker } from './fixtures.js';

const ids = (ws: readonly WorkerSnapshot[]) => ws.map((w) => w.id);

describe('health-filter', () => {
  const f = new HealthFilter('health', 5000);
  const rows: Array<{ name: string; workers: WorkerSnapshot[]; want: string[] }> = [
    { name: 'all healthy and fresh: all kept', workers: [worker('a'), worker('b')], want: ['a', 'b'] },
    { name: 'unhealthy removed', workers: [worker('a', { healthy: false }), worker('b')], want: ['b'] },
    // age exactly maxLoadAgeMs is still accepted (≤), one ms more is stale.
    { name: 'report exactly 5000 ms old: kept', workers: [worker('a', { loadReportedAtMs: NOW_MS - 5000 })], want: ['a'] },
    { name: 'report 5001 ms old: removed', workers: [worker('a', { loadReportedAtMs: NOW_MS - 5001 })], want: [] },
    { name: 'empty', workers: [], want: [] },
  ];
  for (const r of rows) it(r.name, () => assert.deepEqual(ids(f.filter(cycle(request(), r.workers), r.workers)), r.want));
});
