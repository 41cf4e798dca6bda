import assert from 'node:assert/strict';
import { SchedulingCycle } from '../../../shared/scheduling/cycle.js';
import { Scheduler } from '../../../shared/scheduling/index.js';
import { SloAffinityFilter } from '../../../shared/scheduling/plugins/filters/slo-affinity-filter.js';
import { InflightLedger } from '../../../shared/scheduling/state/inflight-ledger.js';
import { SaturationTracker } from '../../../shared/scheduling/state/saturation-tracker.js';
import { batch, engineHashes, NOW_MS, request, stored, tokens, worker } from './fixtures.js';

/** Keeps `backlog` tokens assigned to engine e and prefills `chunk` of them every `everyMs`, for `steps` steps. */
function drive(
  ledger: InflightLedger,
  tracker: SaturationTracker,
  o: { backlog: number; chunk: number; everyMs: number; steps: number },
): void {
  let next = 0;
  const assign = (t: number) => ledger.assign('e', `r${next++}`, o.chunk, 1, t, o.chunk);
  for (let i = 0; i < o.backlog / o.chunk; i++) assign(0);
  let oldest = 0;
  for (let s = 1; s <= o.steps; s++) {
    const t = s * o.everyMs;
    const id = `r${oldest++}`;
    tracker.prefilled('e', o.chunk, t);
    ledger.markPrefilled(id);
    assign(t); // the backlog refills: the engine stays saturated
  }
}

describe('SaturationTracker (learned prefill throughput)', () => {
  it('learns the throughput a saturated engine sustains, with no calibration', () => {
    const ledger = new InflightLedger();
    const tracker = new SaturationTracker(ledger, { priorTokensPerS: 1000 });
    assert.equal(tracker.sustainedPrefillTokensPerS('e'), 1000);
    // 4,096 tokens every 200 ms = 20,480 tokens/s, with 32k tokens always waiting.
    drive(ledger, tracker, { backlog: 32_768, chunk: 4096, everyMs: 200, steps: 30 });
    assert.ok(tracker.samplesOf('e') >= 5);
    assert.ok(Math.abs(tracker.sustainedPrefillTokensPerS('e') - 20_480) < 1, String(tracker.sustainedPrefillTokensPerS('e')));
    // TTFT of 8,192 more tokens behind the 32k backlog: 40,960 / 20,480 tokens/s = 2 s.
    assert.ok(Math.abs(tracker.predictTtftMs('e', 8192) - 2000) < 1);
  });

  it('learns nothing while the engine is not saturated (a trickle says nothing of its peak)', () => {
    const ledger = new InflightLedger();
    const tracker = new SaturationTracker(ledger, { priorTokensPerS: 1000 });
    drive(ledger, tracker, { backlog: 1024, chunk: 512, everyMs: 200, steps: 30 });
    assert.equal(tracker.samplesOf('e'), 0);
    assert.equal(tracker.sustainedPrefillTokensPerS('e'), 1000);
  });

  it('refuses a non-positive prior and an alpha outside (0, 1]', () => {
    assert.throws(() => new SaturationTracker(new InflightLedger(), { priorTokensPerS: 0 }), /priorTokensPerS/);
    assert.throws(() => new SaturationTracker(new InflightLedger(), { alpha: 0 }), /alpha/);
  });

  it('the Scheduler feeds it from first tokens (markPrefilled)', () => {
    const s = new Scheduler();
    const ws = [worker('a'), worker('b')];
    for (let i = 0; i < 4; i++) s.decide(request(tokens(4000, i * 10_000), {}, { requestId: `q${i}` }), ws, NOW_MS);
    const backlog = s.state.saturation.backlogTokens('a') + s.state.saturation.backlogTokens('b');
    assert.equal(backlog, 16_000);
    s.markPrefilled('q0', NOW_MS + 100);
    assert.equal(s.state.saturation.backlogTokens('a') + s.state.saturation.backlogTokens('b'), 12_000);
  });
});

describe('slo-affinity-filter (stay with the cache holder while its predicted TTFT fits)', () => {
  const PROMPT = tokens(160);
  function setup(backlogOnA: number): { s: Scheduler; c: (headers?: Record<string, string>) => SchedulingCycle } {
    const s = new Scheduler();
    s.applyKvEvents('a', 1, batch(stored(engineHashes('a', 10), null, PROMPT)));
    s.applyKvEvents('b', 1, batch());
    if (backlogOnA > 0) s.state.inflight.assign('a', 'busy', backlogOnA, 1, NOW_MS, backlogOnA);
    const c = (headers: Record<string, string> = {}) =>
      new SchedulingCycle(request(PROMPT, headers), {
        nowMs: NOW_MS,
        workers: [worker('a'), worker('b')],
        state: s.state,
        random: () => 0.5,
      });
    return { s, c };
  }
  const filter = () => new SloAffinityFilter('f', { defaultSloTtftMs: 2000, headroom: 0.5, minCachedShare: 0.5 });

  // The prior is 20,000 tokens/s: the 1 s limit (2 s × 0.5) is 20,000 tokens of backlog.
  const rows: ReadonlyArray<{ name: string; backlog: number; headers?: Record<string, string>; kept: string[] }> = [
    { name: 'idle holder: stay', backlog: 0, kept: ['a'] },
    { name: 'holder with 10k tokens queued (0.5 s predicted): stay', backlog: 10_000, kept: ['a'] },
    { name: 'holder with 30k tokens queued (1.5 s predicted): let go', backlog: 30_000, kept: ['a', 'b'] },
    { name: 'the same with a 4 s budget in x-slo-ttft-ms: stay', backlog: 30_000, headers: { 'x-slo-ttft-ms': '4000' }, kept: ['a'] },
    {
      name: 'a malformed header falls back to the default budget',
      backlog: 30_000,
      headers: { 'x-slo-ttft-ms': 'soon' },
      kept: ['a', 'b'],
    },
  ];
  for (const row of rows)
    it(row.name, () => {
      const { c } = setup(row.backlog);
      const f = filter();
      assert.deepEqual(
        f.filter(c(row.headers), [worker('a'), worker('b')]).map((w) => w.id),
        row.kept,
      );
      assert.equal(row.kept.length === 1 ? f.counts.stays : f.counts.spills, 1);
    });

  it('no affinity when no worker holds enough of the prompt', () => {
    const s = new Scheduler();
    const c = new SchedulingCycle(request(tokens(160, 5000)), {
      nowMs: NOW_MS,
      workers: [worker('a'), worker('b')],
      state: s.state,
      random: () => 0.5,
    });
    assert.deepEqual(
      filter()
        .filter(c, [worker('a'), worker('b')])
        .map((w) => w.id),
      ['a', 'b'],
    );
  });
});
