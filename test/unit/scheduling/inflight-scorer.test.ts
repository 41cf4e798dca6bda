import assert from 'node:assert/strict';
import { InflightLedger } from '../../../shared/scheduling/index.js';
import { InflightScorer } from '../../../shared/scheduling/plugins/scorers/inflight-scorer.js';
import { NOW_MS, cycle, request, rounded, worker } from './fixtures.js';

describe('inflight-scorer', () => {
  const ws = [worker('a'), worker('b'), worker('c')];
  // assignments: [worker, promptTokens]
  // score = 0.5 × 8/(8 + requests) + 0.5 × 8192/(8192 + pending prefill tokens) with the defaults below.
  const rows: Array<{ name: string; tokenShare: number; assigned: Array<[string, number]>; prefilled?: string[]; want: number[] }> = [
    { name: 'empty ledger: all idle at 1', tokenShare: 0.5, assigned: [], want: [1, 1, 1] },
    // a: 2 requests, 2000 tokens -> 0.5×0.8 + 0.5×0.8038; b: 1 request, 100 tokens -> 0.5×0.8889 + 0.5×0.9879.
    {
      name: 'requests and tokens blended',
      tokenShare: 0.5,
      assigned: [
        ['a', 1000],
        ['a', 1000],
        ['b', 100],
      ],
      want: [0.8019, 0.9384, 1],
    },
    // tokenShare 0: only request counts -> 8/10, 8/9, 1.
    {
      name: 'request count only',
      tokenShare: 0,
      assigned: [
        ['a', 1000],
        ['a', 1000],
        ['b', 100],
      ],
      want: [0.8, 0.8889, 1],
    },
    // all equal load: equal scores, the scorer cannot change the ranking.
    {
      name: 'all equal load',
      tokenShare: 0.5,
      assigned: [
        ['a', 10],
        ['b', 10],
        ['c', 10],
      ],
      want: [0.9438, 0.9438, 0.9438],
    },
    // a at exactly the half points (8 requests, 8192 tokens) -> 0.5; 64 requests and 65,536 tokens (full) -> 1/9.
    {
      name: 'half and full',
      tokenShare: 0.5,
      assigned: [
        ...Array.from({ length: 8 }, (): [string, number] => ['a', 1024]),
        ...Array.from({ length: 64 }, (): [string, number] => ['b', 1024]),
      ],
      want: [0.5, 0.1111, 1],
    },
    // a's prompt was prefilled: its pending tokens drop to 0 -> 0.5×0.8889 + 0.5×1; b keeps 500 pending.
    {
      name: 'prefilled prompt no longer counts as tokens',
      tokenShare: 0.5,
      assigned: [
        ['a', 1000],
        ['b', 500],
      ],
      prefilled: ['r0'],
      want: [0.9444, 0.9157, 1],
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const ledger = new InflightLedger();
      r.assigned.forEach(([w, t], i) => ledger.assign(w, `r${i}`, t, 16, NOW_MS));
      for (const id of r.prefilled ?? []) ledger.markPrefilled(id);
      const s = new InflightScorer('inflight', r.tokenShare, 8, 8192);
      assert.deepEqual(rounded(s.score(cycle(request(), ws, { inflight: ledger }), ws)), r.want);
    });

  it('no ledger in the state: neutral 1 for all', () => {
    assert.deepEqual(rounded(new InflightScorer('i', 0.5, 8, 8192).score(cycle(request(), ws), ws)), [1, 1, 1]);
  });
});

describe('InflightLedger', () => {
  it('assign, markPrefilled, finish keep totals consistent', () => {
    const l = new InflightLedger();
    l.assign('a', 'r1', 100, 10, 0);
    l.assign('a', 'r2', 50, 5, 0);
    assert.deepEqual(l.totalsFor('a'), { requests: 2, promptTokens: 150, pendingPrefillTokens: 150, maxNewTokens: 15 });
    l.markPrefilled('r1');
    l.markPrefilled('r1'); // idempotent
    assert.equal(l.totalsFor('a').pendingPrefillTokens, 50);
    l.finish('r1');
    l.finish('r1'); // idempotent
    assert.deepEqual(l.totalsFor('a'), { requests: 1, promptTokens: 50, pendingPrefillTokens: 50, maxNewTokens: 5 });
    l.finish('r2');
    assert.deepEqual(l.totalsFor('a'), { requests: 0, promptTokens: 0, pendingPrefillTokens: 0, maxNewTokens: 0 });
    assert.equal(l.size, 0);
  });

  it('counts only uncached tokens as pending prefill when told', () => {
    const l = new InflightLedger();
    l.assign('a', 'r1', 4096, 10, 0, 96); // 4,000 tokens came from the prefix cache
    assert.deepEqual(l.totalsFor('a'), { requests: 1, promptTokens: 4096, pendingPrefillTokens: 96, maxNewTokens: 10 });
    l.markPrefilled('r1');
    assert.equal(l.totalsFor('a').pendingPrefillTokens, 0);
  });

  it('re-assigning a request moves it to the new worker', () => {
    const l = new InflightLedger();
    l.assign('a', 'r1', 100, 10, 0);
    l.assign('b', 'r1', 100, 10, 1);
    assert.equal(l.totalsFor('a').requests, 0);
    assert.equal(l.totalsFor('b').requests, 1);
    assert.equal(l.workerOf('r1'), 'b');
  });

  it('expires entries older than ttlMs (lost completions)', () => {
    const l = new InflightLedger({ ttlMs: 1000 });
    l.assign('a', 'old', 100, 10, 0);
    l.assign('a', 'new', 100, 10, 900);
    l.expire(1500); // old is 1500 ms old > 1000, new is 600 ms old
    assert.equal(l.workerOf('old'), undefined);
    assert.equal(l.workerOf('new'), 'a');
    assert.equal(l.totalsFor('a').requests, 1);
  });

  it('removeWorker drops its entries only', () => {
    const l = new InflightLedger();
    l.assign('a', 'r1', 1, 1, 0);
    l.assign('b', 'r2', 1, 1, 0);
    l.removeWorker('a');
    assert.equal(l.size, 1);
    assert.equal(l.totalsFor('b').requests, 1);
  });
});
