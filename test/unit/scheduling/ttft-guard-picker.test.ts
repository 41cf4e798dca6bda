import assert from 'node:assert/strict';
import { InflightLedger, PrefixIndex } from '../../../shared/scheduling/index.js';
import { TtftGuardPicker } from '../../../shared/scheduling/plugins/pickers/ttft-guard-picker.js';
import { NOW_MS, batch, cycle, engineHashes, request, scored, stored, tokens, worker } from './fixtures.js';

describe('ttft-guard-picker', () => {
  // 8192-token prompt (512 blocks); a caches all of it, so a's cost is its pending prefill only, b and c
  // pay 8192 uncached plus their pending. absTokens 4096; request rule 8 / ×2.
  const prompt = tokens(8192);
  const rows: Array<{
    name: string;
    pending: [number, number, number]; // uncached tokens queued on a, b, c
    requests?: [number, number, number]; // reported running requests
    scores: [number, number, number];
    want: string;
  }> = [
    // Costs a 0, b 8192, c 8192: b, c exceed 0 + 4096 -> only a is fast.
    { name: 'cache hit with a short queue: affinity wins', pending: [0, 0, 0], scores: [3, 1, 2], want: 'a' },
    // a 20000, b 8192, c 8192: min 8192, a > 12288 -> skipped; best of b, c by score is c.
    { name: 'cache hit behind a long queue: skipped', pending: [20000, 0, 0], scores: [3, 1, 2], want: 'c' },
    // a 12000 ≤ 8192 + 4096 = 12288: within the allowance, the score decides -> a.
    { name: 'queue within the allowance: affinity still wins', pending: [12000, 0, 0], scores: [3, 1, 2], want: 'a' },
    // Token rule keeps a alone; request rule says a is hot (20 > 0 + 8 and > 2 × 0): nothing left
    // under both, so the token rule alone decides -> a.
    { name: 'rules disagree: token rule decides', pending: [0, 0, 0], requests: [20, 0, 0], scores: [3, 1, 2], want: 'a' },
    // a 20000 (skipped by tokens); c hot by requests (20 vs min 0) -> b.
    { name: 'both rules apply', pending: [20000, 0, 0], requests: [0, 0, 20], scores: [3, 1, 2], want: 'b' },
  ];
  for (const r of rows)
    it(r.name, () => {
      const ws = ['a', 'b', 'c'].map((id, i) => worker(id, { load: { runningRequests: r.requests?.[i] ?? 0 } }));
      const index = new PrefixIndex();
      index.applyEvents('a', 1, batch(stored(engineHashes('a', 512), null, prompt)));
      const ledger = new InflightLedger();
      ws.forEach((w, i) => {
        if (r.pending[i]! > 0) ledger.assign(w.id, `q-${w.id}`, r.pending[i]!, 16, NOW_MS);
      });
      const p = new TtftGuardPicker('g', 4096, 8, 2);
      const chosen = p.pick(
        cycle(request(prompt), ws, { inflight: ledger, prefixIndex: index }),
        scored(ws.map((w, i) => [w, r.scores[i]!] as const)),
      );
      assert.equal(chosen.id, r.want);
    });
});
