import assert from 'node:assert/strict';
import { PrefixIndex, loadSchedulerConfig, schedule, seededRandom, type WorkerSnapshot } from '../../../shared/scheduling/index.js';
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
    plugins: [{pluginRef: decode-role}, {pluginRef: queue-scorer}, {pluginRef: max-score-picker}]
  - name: prefill
    plugins: [{pluginRef: prefill-role}, {pluginRef: queue-scorer}, {pluginRef: max-score-picker}]
`);

describe('pd-profile-handler', () => {
  const d = worker('d', { role: 'decode' });
  const p = worker('p', { role: 'prefill' });
  const busyP = worker('p', { role: 'prefill', load: { waitingRequests: 4 } });
  const rows: Array<{ name: string; promptTokens: number; cachedBlocks: number; workers: WorkerSnapshot[]; prefill: string | undefined }> = [
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
      if (r.cachedBlocks > 0) index.applyEvents('d', 1, batch(stored(engineHashes('d', r.cachedBlocks), null, prompt.slice(0, r.cachedBlocks * 16))));
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
