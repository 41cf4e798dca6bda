import assert from 'node:assert/strict';
import {
  InflightLedger,
  PrefixIndex,
  loadSchedulerConfig,
  schedule,
  seededRandom,
  type WorkerSnapshot,
} from '../../../shared/scheduling/index.js';
import { PrefillBacklog } from '../../../shared/scheduling/index.js';
import { NOW_MS, batch, engineHashes, request, stored, tokens, worker } from './fixtures.js';

const CONFIG = loadSchedulerConfig(`
plugins:
  - type: role-filter
    name: decode-role
    parameters: {role: decode}
  - type: role-filter
    name: prefill-role
    parameters: {role: prefill}
  - type: queue-scorer
  - type: max-score-picker
  - type: pd-profile-handler
    parameters: {thresholdTokens: 2048, maxPrefillWaiting: 4}
schedulingProfiles:
  - name: decode
    plugins: [{pluginRef: decode-role}, {pluginRef: queue-scorer, weight: 1}, {pluginRef: max-score-picker}]
  - name: prefill
    plugins: [{pluginRef: prefill-role}, {pluginRef: queue-scorer, weight: 1}, {pluginRef: max-score-picker}]
`);

describe('pd-profile-handler', () => {
  const d = worker('d', { role: 'decode' });
  const p = worker('p', { role: 'prefill' });
  const busyP = worker('p', { role: 'prefill', load: { waitingRequests: 4 } });
  const rows: Array<{ name: string; promptTokens: number; cachedBlocks: number; workers: WorkerSnapshot[]; prefill: string | undefined }> =
    [
      // 2048 uncached tokens reach the threshold (≥): split.
      { name: 'uncached at threshold: split', promptTokens: 2048, cachedBlocks: 0, workers: [d, p], prefill: 'p' },
      { name: 'uncached below threshold: decode only', promptTokens: 2047, cachedBlocks: 0, workers: [d, p], prefill: undefined },
      // 4096-token prompt, 160 blocks (2560 tokens) cached on d: 1536 uncached < 2048, not worth a transfer.
      { name: 'long prompt mostly cached on decode worker', promptTokens: 4096, cachedBlocks: 160, workers: [d, p], prefill: undefined },
      // prefill worker full (4 waiting, limit 4): no room.
      { name: 'prefill worker full: decode only', promptTokens: 8000, cachedBlocks: 0, workers: [d, busyP], prefill: undefined },
      { name: 'no prefill worker (empty pool)', promptTokens: 8000, cachedBlocks: 0, workers: [d], prefill: undefined },
    ];
  for (const r of rows)
    it(r.name, () => {
      const prompt = tokens(r.promptTokens);
      const index = new PrefixIndex();
      if (r.cachedBlocks > 0)
        index.applyEvents('d', 1, batch(stored(engineHashes('d', r.cachedBlocks), null, prompt.slice(0, r.cachedBlocks * 16))));
      const decision = schedule(
        request(prompt),
        { nowMs: NOW_MS, workers: r.workers, state: { blockSize: 16, prefixIndex: index }, random: seededRandom(1) },
        CONFIG,
      );
      assert.equal(decision.decode.workerId, 'd');
      assert.equal(decision.prefill?.workerId, r.prefill, decision.explanation.disaggregation);
      assert.equal(decision.explanation.profiles.length, r.prefill ? 2 : 1);
    });
});

// Cost-aware split: local = decode worker's pending prefill tokens + uncached; remote = prefill backlog
// (at least reported running+waiting × threshold) + uncached there + 0.07 × uncached on the decode worker.
const COST_CONFIG = (remoteBias: number) =>
  loadSchedulerConfig(`
plugins:
  - type: role-filter
    name: decode-role
    parameters: {role: decode}
  - type: role-filter
    name: prefill-role
    parameters: {role: prefill}
  - type: queue-scorer
  - type: max-score-picker
  - type: pd-profile-handler
    parameters: {thresholdTokens: 2048, maxPrefillWaiting: 4, costAware: true, remoteBias: ${remoteBias}, prefillTokensPerS: 10000, transferCostPerToken: 0.07}
schedulingProfiles:
  - name: decode
    plugins: [{pluginRef: decode-role}, {pluginRef: queue-scorer, weight: 1}, {pluginRef: max-score-picker}]
  - name: prefill
    plugins: [{pluginRef: prefill-role}, {pluginRef: queue-scorer, weight: 1}, {pluginRef: max-score-picker}]
`);

describe('pd-profile-handler, cost-aware', () => {
  const d = worker('d', { role: 'decode' });
  const p = worker('p', { role: 'prefill' });
  const p2 = worker('p2', { role: 'prefill' });
  const runningP = worker('p', { role: 'prefill', load: { runningRequests: 2 } });
  const rows: Array<{
    name: string;
    remoteBias: number;
    decodePending: number; // uncached tokens already queued on d (InflightLedger)
    workers: WorkerSnapshot[];
    earlierSplits?: number; // 8000-token prompts split off just before, same instant
    prefill: string | undefined;
  }> = [
    // Idle fleet, 8000 tokens: local 8000 vs remote 8000 + 560 transfer = 8560 > 8000: local.
    { name: 'idle decode worker, no bias: local', remoteBias: 0, decodePending: 0, workers: [d, p], prefill: undefined },
    // Same with bias 0.1: 8560 ≤ 8800: split (keeps the prefill off the decode streams).
    { name: 'idle decode worker, bias 0.1: split', remoteBias: 0.1, decodePending: 0, workers: [d, p], prefill: 'p' },
    // 16000 tokens queued on d: local 24000 vs remote 8560: split.
    { name: 'busy decode worker: split', remoteBias: 0, decodePending: 16000, workers: [d, p], prefill: 'p' },
    // p reports 2 running: floor 2 × 2048 = 4096 backlog, remote 12656 vs local 24000: still split.
    { name: 'prefill worker busy but less than decode: split', remoteBias: 0, decodePending: 16000, workers: [d, runningP], prefill: 'p' },
    // Two earlier splits of 8000 tokens queue 16000 on p: remote 24560 > local 24000: local.
    {
      name: 'prefill backlog from earlier splits: local',
      remoteBias: 0,
      decodePending: 16000,
      workers: [d, p],
      earlierSplits: 2,
      prefill: undefined,
    },
    // With a second prefill worker the backlog on p is avoided: p2 (idle) takes it.
    { name: 'cheapest prefill worker is taken', remoteBias: 0, decodePending: 16000, workers: [d, p, p2], earlierSplits: 1, prefill: 'p2' },
  ];
  for (const r of rows)
    it(r.name, () => {
      const config = COST_CONFIG(r.remoteBias);
      const ledger = new InflightLedger();
      if (r.decodePending > 0) ledger.assign('d', 'queued', r.decodePending, 16, NOW_MS);
      const ctx = {
        nowMs: NOW_MS,
        workers: r.workers,
        state: { blockSize: 16, inflight: ledger, prefillBacklog: new PrefillBacklog() },
        random: seededRandom(1),
      };
      for (let i = 0; i < (r.earlierSplits ?? 0); i++) {
        // Earlier requests see the same busy decode worker and only p: each is split to p (schedule() records
        // nothing in the ledger, so d's pending stays 16000) and adds 8000 tokens to p's backlog.
        const earlier = schedule(request(tokens(8000, 100_000 * (i + 1)), {}, { requestId: `e${i}` }), { ...ctx, workers: [d, p] }, config);
        assert.equal(earlier.prefill?.workerId, 'p');
      }
      const decision = schedule(request(tokens(8000)), ctx, config);
      assert.equal(decision.prefill?.workerId, r.prefill, decision.explanation.disaggregation);
      // The prefill profile's explanation names the worker taken, with its candidates and totals intact
      // (also when the handler overruled the profile's picker).
      const explained = decision.explanation.profiles.find((e) => e.profile === 'prefill');
      if (r.prefill !== undefined) {
        assert.equal(explained?.chosen, r.prefill);
        assert.ok(explained.candidates.includes(r.prefill), `candidates ${String(explained.candidates)}`);
        assert.equal(explained.chosenTotal, explained.totals[r.prefill]);
        assert.equal(JSON.parse(JSON.stringify(explained)).totals[r.prefill], explained.totals[r.prefill]);
      }
    });
});

describe('PrefillBacklog', () => {
  // 10,000 tokens/s drain: 10 tokens per ms.
  const rows: Array<{ name: string; adds: Array<[number, number]>; atMs: number; want: number }> = [
    { name: 'unknown worker: 0', adds: [], atMs: 0, want: 0 },
    // 8000 added at 0, 300 ms later 3000 drained.
    { name: 'drains at the rate', adds: [[8000, 0]], atMs: 300, want: 5000 },
    // 8000 at 0; at 500 ms 3000 left, +8000 = 11000; at 600 ms 10000.
    {
      name: 'adds to what is left',
      adds: [
        [8000, 0],
        [8000, 500],
      ],
      atMs: 600,
      want: 10000,
    },
    { name: 'never below 0', adds: [[1000, 0]], atMs: 10_000, want: 0 },
  ];
  for (const r of rows)
    it(r.name, () => {
      const b = new PrefillBacklog();
      for (const [t, at] of r.adds) b.add('p', t, at, 10_000);
      assert.equal(b.tokensAt('p', r.atMs, 10_000), r.want);
    });
});
