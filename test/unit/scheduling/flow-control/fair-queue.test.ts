import assert from 'node:assert/strict';
import {
  FairQueue,
  VTC_INPUT_WEIGHT,
  VTC_OUTPUT_WEIGHT,
  bandOf,
  type Priority,
  type QueueEntry,
} from '../../../../shared/scheduling/flow-control/index.js';

let seq = 0;
function entry(tenant: string, priority: Priority = 'standard', inputTokens = 100, outputTokens = 10, at = seq): QueueEntry<null> {
  seq++;
  return {
    id: `${tenant}-${seq}`,
    flow: { priority, tenant },
    band: bandOf(priority),
    inputTokens,
    outputTokens,
    enqueuedAtMs: at,
    deadlineMs: Infinity,
    payload: null,
  };
}

/** Dispatches everything; returns the tenants (or ids) in dispatch order. */
function drain(q: FairQueue<null>, n = Infinity): QueueEntry<null>[] {
  const out: QueueEntry<null>[] = [];
  for (let e = q.peek(); e !== undefined && out.length < n; e = q.peek()) out.push(q.dispatch(e.id)!);
  return out;
}

describe('fair-queue', () => {
  const rows: Array<{ name: string; push: () => QueueEntry<null>[]; want: string[] }> = [
    { name: 'empty', push: () => [], want: [] },
    // Strict bands: critical first whatever the arrival order, sheddable last.
    {
      name: 'bands in priority order',
      push: () => [entry('a', 'sheddable'), entry('a', 'standard'), entry('a', 'critical')],
      want: ['critical', 'standard', 'sheddable'],
    },
    // One tenant: plain FIFO.
    {
      name: 'one tenant is FIFO',
      push: () => [entry('a', 'standard', 1), entry('a', 'standard', 2), entry('a', 'standard', 3)],
      want: ['1', '2', '3'],
    },
    // Equal requests from two tenants, all of a's first: VTC alternates (each dispatch raises the served tenant's counter).
    {
      name: 'two tenants alternate',
      push: () => [entry('a'), entry('a'), entry('a'), entry('b'), entry('b'), entry('b')],
      want: ['a', 'b', 'a', 'b', 'a', 'b'],
    },
    // a's requests cost 3× b's: b gets three dispatches for each of a's.
    {
      name: 'token-weighted: a costs 3× b',
      push: () => [
        entry('a', 'standard', 300, 30),
        entry('a', 'standard', 300, 30),
        ...Array.from({ length: 6 }, () => entry('b', 'standard', 100, 10)),
      ],
      want: ['a', 'b', 'b', 'b', 'a', 'b', 'b', 'b'],
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const q = new FairQueue<null>();
      const pushed = r.push();
      for (const e of pushed) q.push(e);
      const got = drain(q).map((e) =>
        r.name.startsWith('one tenant') ? String(e.inputTokens) : r.name.startsWith('bands') ? e.flow.priority : e.flow.tenant,
      );
      assert.deepEqual(got, r.want);
    });

  it('fcfs ignores tenants: one arrival order in a band', () => {
    const q = new FairQueue<null>(true);
    for (const e of [entry('a', 'standard', 100, 10, 1), entry('a', 'standard', 100, 10, 2), entry('b', 'standard', 100, 10, 3)]) q.push(e);
    assert.deepEqual(
      drain(q).map((e) => e.flow.tenant),
      ['a', 'a', 'b'],
    );
  });

  it('charges input + 2 × output tokens, and settle() corrects the output estimate', () => {
    const q = new FairQueue<null>();
    const e = entry('a', 'standard', 1000, 100);
    q.push(e);
    q.dispatch(e.id);
    assert.equal(q.counter(bandOf('standard'), 'a'), VTC_INPUT_WEIGHT * 1000 + VTC_OUTPUT_WEIGHT * 100);
    q.settle(bandOf('standard'), 'a', 100, 40); // stopped after 40 of its 100 tokens
    assert.equal(q.counter(bandOf('standard'), 'a'), 1000 + 2 * 40);
  });

  it('a tenant that starts waiting is lifted to the least counter of those waiting (no credit for idling)', () => {
    const q = new FairQueue<null>();
    for (let i = 0; i < 4; i++) q.push(entry('a'));
    drain(q, 3); // a served 3 × 120
    q.push(entry('b')); // b idle so far: lifted to a's counter, not left at 0
    assert.equal(q.counter(bandOf('standard'), 'b'), q.counter(bandOf('standard'), 'a'));
  });

  it('sheds the newest entry of the most-served tenant of the lowest band below the newcomer', () => {
    const q = new FairQueue<null>();
    q.push(entry('a', 'sheddable'));
    const newest = entry('a', 'sheddable');
    q.push(newest);
    q.push(entry('b', 'standard'));
    assert.equal(q.shedCandidate(bandOf('standard'))?.id, newest.id);
    assert.equal(q.shedCandidate(bandOf('sheddable')), undefined); // nothing below sheddable
  });

  // Done-when of issue 15: two tenants, one sending 10× the other's tokens, both backlogged: each gets
  // within 10% of an equal token share while both wait.
  it('heavy tenant (10× the tokens) and light tenant share served tokens within 10% while both wait', () => {
    const q = new FairQueue<null>();
    // heavy: 400 requests of 2,000 + 200 tokens; light: 400 of 200 + 20 (a tenth of the tokens).
    for (let i = 0; i < 400; i++) {
      q.push(entry('heavy', 'standard', 2000, 200));
      q.push(entry('light', 'standard', 200, 20));
    }
    const served = { heavy: 0, light: 0 };
    while (q.backlogged(bandOf('standard')).length === 2) {
      const e = q.dispatch(q.peek()!.id)!;
      served[e.flow.tenant as 'heavy' | 'light'] += e.inputTokens + e.outputTokens;
    }
    const share = served.light / (served.heavy + served.light);
    assert.ok(share >= 0.45 && share <= 0.55, `light tenant's token share ${share.toFixed(3)} not within 10% of 0.5`);
  });

  it('forgets removed entries: size, has, remove twice', () => {
    const q = new FairQueue<null>();
    const e = entry('a');
    q.push(e);
    assert.throws(() => q.push(e), /already queued/);
    assert.equal(q.remove(e.id)?.id, e.id);
    assert.equal(q.remove(e.id), undefined);
    assert.equal(q.size, 0);
    assert.equal(q.peek(), undefined);
  });
});
