import assert from 'node:assert/strict';
import { SessionTable } from '../../../shared/scheduling/index.js';
import { SessionAffinityScorer } from '../../../shared/scheduling/plugins/scorers/session-affinity-scorer.js';
import { cycle, request, worker } from './fixtures.js';

describe('session-affinity-scorer', () => {
  const ws = [worker('a'), worker('b')];
  const table = new SessionTable();
  table.record('s-known', 'b');
  const rows: Array<{ name: string; headers: Record<string, string>; want: number[] }> = [
    { name: 'no session headers: all 0', headers: {}, want: [0, 0] },
    { name: 'x-atc-worker names b', headers: { 'x-atc-worker': 'b' }, want: [0, 1] },
    // the explicit pin wins over the table's memory.
    { name: 'x-atc-worker wins over the session table', headers: { 'x-atc-worker': 'a', 'x-session-id': 's-known' }, want: [1, 0] },
    { name: 'x-session-id known to the table', headers: { 'x-session-id': 's-known' }, want: [0, 1] },
    { name: 'x-session-id unknown', headers: { 'x-session-id': 's-new' }, want: [0, 0] },
    // the sticky worker was filtered out (gone): nobody gets the bonus, load decides.
    { name: 'sticky worker not a candidate', headers: { 'x-atc-worker': 'z' }, want: [0, 0] },
  ];
  for (const r of rows)
    it(r.name, () => {
      const s = new SessionAffinityScorer('session');
      assert.deepEqual(Array.from(s.score(cycle(request([], r.headers), ws, { sessions: table }), ws)), r.want);
    });

  it('SessionTable evicts the least recently recorded session past capacity', () => {
    const t = new SessionTable({ capacity: 2 });
    t.record('s1', 'a');
    t.record('s2', 'a');
    t.record('s1', 'b'); // refreshes s1
    t.record('s3', 'a'); // evicts s2
    assert.equal(t.workerOf('s2'), undefined);
    assert.equal(t.workerOf('s1'), 'b');
    assert.equal(t.size, 2);
  });
});
