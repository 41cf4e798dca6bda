import assert from 'node:assert/strict';
import { InflightLedger } from '../../../shared/scheduling/index.js';
import { HotSpotGuardPicker } from '../../../shared/scheduling/plugins/pickers/hot-spot-guard-picker.js';
import { NOW_MS, cycle, request, scored, worker } from './fixtures.js';
import { a, b, c } from './picker-fixtures.js';

describe('hot-spot-guard-picker', () => {
  const p = new HotSpotGuardPicker('guard', 8, 2);
  const rows: Array<{ name: string; loads: [number, number, number]; scores: [number, number, number]; want: string }> = [
    // best-scored a has 4 requests vs min 0: 4 ≤ 0+8, not hot -> a.
    { name: 'top worker mildly busier: kept', loads: [4, 0, 0], scores: [3, 1, 2], want: 'a' },
    // a has 20 vs min 2: 20 > 2+8 and 20 > 2×2 -> hot; next best c.
    { name: 'top worker hot: next best', loads: [20, 2, 2], scores: [3, 1, 2], want: 'c' },
    // 20 vs min 15: 20 ≤ 15+8 -> fine, everyone is busy.
    { name: 'all busy (full): no skip', loads: [20, 15, 15], scores: [3, 1, 2], want: 'a' },
    // all idle (empty): plain max-score.
    { name: 'all idle', loads: [0, 0, 0], scores: [1, 3, 2], want: 'b' },
  ];
  for (const r of rows)
    it(r.name, () => {
      const ws = [a, b, c].map((w, i) => worker(w.id, { load: { runningRequests: r.loads[i]! } }));
      const chosen = p.pick(cycle(request(), ws), scored(ws.map((w, i) => [w, r.scores[i]!] as const)));
      assert.equal(chosen.id, r.want);
    });

  it('counts the in-flight ledger when reports lag', () => {
    const ws = [a, b];
    const ledger = new InflightLedger();
    for (let i = 0; i < 12; i++) ledger.assign('a', `r${i}`, 100, 10, NOW_MS); // reports still say 0
    const chosen = p.pick(
      cycle(request(), ws, { inflight: ledger }),
      scored([
        [a, 5],
        [b, 1],
      ]),
    );
    assert.equal(chosen.id, 'b');
  });
});
