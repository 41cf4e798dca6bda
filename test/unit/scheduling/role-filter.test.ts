import assert from 'node:assert/strict';
import { RoleFilter } from '../../../shared/scheduling/plugins/filters/role-filter.js';
import type { WorkerSnapshot } from '../../../shared/scheduling/index.js';
import { cycle, request, worker } from './fixtures.js';

const ids = (ws: readonly WorkerSnapshot[]) => ws.map((w) => w.id);

describe('role-filter', () => {
  const ws = [worker('d', { role: 'decode' }), worker('p', { role: 'prefill' }), worker('b', { role: 'both' })];
  const rows = [
    // 'both' workers can play either role, so they pass both filters.
    { role: 'decode', workers: ws, want: ['d', 'b'] },
    { role: 'prefill', workers: ws, want: ['p', 'b'] },
    { role: 'prefill', workers: [worker('d', { role: 'decode' })], want: [] },
    { role: 'decode', workers: [], want: [] },
  ] as const;
  for (const r of rows)
    it(`role ${r.role} over [${ids(r.workers)}] keeps [${r.want.join(', ')}]`, () => {
      const f = new RoleFilter('role', r.role);
      assert.deepEqual(ids(f.filter(cycle(request(), r.workers), r.workers)), r.want);
    });
});
