import assert from 'node:assert/strict';
import { LatencyPredictor } from '../../../shared/scheduling/index.js';
import { PredictedLatencyScorer } from '../../../shared/scheduling/plugins/scorers/predicted-latency-scorer.js';
import { cycle, request, rounded, tokens, worker } from './fixtures.js';

// Synthetic, noise-free workers:
//   fast: TTFT = 10 + 50 ms per 1000 uncached tokens,  TPOT = 10 + 0.5 × running
//   slow: TTFT = 20 + 200 ms per 1000 uncached tokens, TPOT = 20 + 1.0 × running
function trainedModel(samples: number): LatencyPredictor {
  const m = new LatencyPredictor({ minSamples: 10, forgetting: 1 });
  for (let i = 0; i < samples; i++) {
    const uncached = (i * 397) % 3000;
    const running = i % 9;
    for (const [id, a, b, c, d] of [
      ['fast', 10, 50, 10, 0.5],
      ['slow', 20, 200, 20, 1],
    ] as const)
      m.observe({
        workerId: id,
        uncachedTokens: uncached,
        waitingRequests: 0,
        runningRequests: running,
        inflightPromptTokens: 0,
        ttftMs: a + (b * uncached) / 1000,
        tpotMs: c + d * running,
      });
  }
  return m;
}

describe('predicted-latency-scorer', () => {
  const ws = [worker('fast'), worker('slow')];
  const prompt = tokens(1000); // no prefix index: all 1000 tokens uncached -> fast 60 ms, slow 220 ms TTFT
  // At dispatch running = 0, so TPOT is predicted at batch 1: fast 10.5 ms, slow 21 ms.
  const rows: Array<{ name: string; samples: number; headers: Record<string, string>; want: number[] }> = [
    { name: 'no history: neutral', samples: 0, headers: {}, want: [0.5, 0.5] },
    { name: 'below minSamples: neutral', samples: 5, headers: {}, want: [0.5, 0.5] },
    // no SLO: min TTFT / own TTFT -> fast 1, slow 60/220.
    { name: 'no SLO: lower TTFT wins', samples: 40, headers: {}, want: [1, 0.27] },
    // SLO 100 ms: fast meets with slack 0.4 -> 0.5 + 0.5×0.6 = 0.8; slow misses by 120% -> 0.5×e^-1.2.
    { name: 'TTFT SLO only fast meets', samples: 40, headers: { 'x-slo-ttft-ms': '100' }, want: [0.8, 0.15] },
    // SLO 300 ms: both meet; slow wastes less headroom (0.267 vs 0.8) so it scores higher -> packs tight.
    { name: 'TTFT SLO both meet: least headroom wins', samples: 40, headers: { 'x-slo-ttft-ms': '300' }, want: [0.6, 0.87] },
    // TPOT SLO 12 ms with TTFT SLO 300: slow misses TPOT by 75% -> 0.5×e^-0.75 = 0.236; fast meets both,
    // mean slack (0.8 + 0.125)/2 = 0.4625 -> 0.5 + 0.5×0.5375 = 0.769.
    { name: 'TPOT SLO decides', samples: 40, headers: { 'x-slo-ttft-ms': '300', 'x-slo-tpot-ms': '12' }, want: [0.77, 0.24] },
    { name: 'garbage SLO header ignored', samples: 40, headers: { 'x-slo-ttft-ms': 'soon' }, want: [1, 0.27] },
  ];
  for (const r of rows)
    it(r.name, () => {
      const s = new PredictedLatencyScorer('latency');
      const got = s.score(cycle(request(prompt, r.headers), ws, { latency: trainedModel(r.samples) }), ws);
      assert.deepEqual(rounded(got, 2), r.want);
    });

  it('a worker without history gets 0.5 while others are scored', () => {
    const all = [...ws, worker('new')];
    const got = new PredictedLatencyScorer('l').score(cycle(request(prompt), all, { latency: trainedModel(40) }), all);
    assert.deepEqual(rounded(got, 2), [1, 0.27, 0.5]);
  });
});

describe('LatencyPredictor', () => {
  it('recovers a linear TTFT law from noise-free observations', () => {
    const m = trainedModel(60);
    const f = { uncachedTokens: 2000, waitingRequests: 0, runningRequests: 0, inflightPromptTokens: 0 };
    assert.ok(Math.abs(m.predictTtftMs('slow', f)! - 420) < 0.5); // 20 + 200×2
    assert.ok(Math.abs(m.predictTpotMs('fast', 8)! - 14) < 0.05); // 10 + 0.5×8
    assert.equal(m.predictTtftMs('unknown', f), undefined);
  });
});
