// Cache-holder prefill in virtual time: the routing bench's fleet of two kv_both engines carries out the
// handoff (the holder computes the suffix with do_remote_decode, the other engine pulls the prompt's KV
// over the link with do_remote_prefill, the transfer taking its time) exactly as the live path does.
import assert from 'node:assert/strict';
import { seededTokens } from '../../../bench/routing/harness/token-ids.js';
import { runVirtual } from '../../../bench/routing/harness/virtual-run.js';
import { aggregatedReplicas, type PlannedRequest } from '../../../bench/routing/harness/workload.js';
import { atcWithCacheHolderPrefill, policyConfig } from '../../../bench/routing/harness/policies.js';
import { kvBytesPerTokenPerGpu } from '../../../shared/engine/sim/kv-capacity.js';
import { LLAMA_3_8B_H100 } from '../../../shared/engine/sim/profile-llama-3-8b-h100.js';
import { loadSchedulerConfig } from '../../../shared/scheduling/index.js';

/** The decode worker follows x-atc-worker (weight 10 over prefix affinity 1): the test says where to decode. */
const config = (on: boolean) => `
plugins:
  - type: role-filter
    name: decode-role
    parameters: {role: decode}
  - type: session-affinity-scorer
  - type: precise-prefix-cache-scorer
  - type: max-score-picker
  - type: pd-profile-handler
    parameters: {thresholdTokens: 2048, costAware: true, cacheHolderPrefill: ${on}}
schedulingProfiles:
  - name: decode
    plugins:
      - {pluginRef: decode-role}
      - {pluginRef: session-affinity-scorer, weight: 10}
      - {pluginRef: precise-prefix-cache-scorer, weight: 1}
      - {pluginRef: max-score-picker}
`;

const PREFIX = seededTokens(7, 8000);
const requests: PlannedRequest[] = [
  // Warms decode-1's prefix cache.
  { id: 'warm', arrivalMs: 0, prompt: () => PREFIX, maxTokens: 4, headers: { 'x-atc-worker': 'decode-1' } },
  // The same prefix and a new question, decoded on decode-2.
  {
    id: 'reuse',
    arrivalMs: 2000,
    prompt: () => PREFIX.concat(seededTokens(8, 200)),
    maxTokens: 4,
    headers: { 'x-atc-worker': 'decode-2' },
  },
];
const fleet = { profile: 'llama-3-8b-h100', replicas: aggregatedReplicas(2) };
const reuseOf = (on: boolean) =>
  runVirtual({ requests }, 'holder-test', fleet, { seed: 1, config: config(on) }).requests.find((r) => r.id === 'reuse')!;

describe('cache-holder prefill in virtual time', () => {
  it('prefills on the holder, decodes on the other engine after pulling the KV, and beats recomputing', () => {
    const held = reuseOf(true);
    const recomputed = reuseOf(false);
    assert.equal(held.workerId, 'decode-2');
    assert.equal(held.prefillWorkerId, 'decode-1');
    assert.equal(held.failed, false);
    // The holder found the 8,000-token prefix cached (500 blocks) and computed only the suffix.
    assert.equal(held.firstAdmissionCachedTokens, 8000);
    // The decode engine pulled every full prompt block (8,192 tokens), computing only the last partial one.
    assert.equal(held.cachedPromptTokens, 8192);
    // Its first token waited at least for the pull: 8,192 tokens × 128 KiB over 50 GB/s = 21.5 ms.
    const transferMs = ((8192 * kvBytesPerTokenPerGpu(LLAMA_3_8B_H100)) / 50e9) * 1000;
    assert.ok(held.ttftMs > transferMs, `TTFT ${held.ttftMs} ms ≤ transfer ${transferMs} ms`);
    // Without the mode decode-2 recomputes the 8,200 tokens: a later first token than suffix + transfer.
    assert.equal(recomputed.prefillWorkerId, undefined);
    assert.equal(recomputed.cachedPromptTokens, 0);
    assert.ok(held.ttftMs < recomputed.ttftMs, `holder ${held.ttftMs} ms vs recompute ${recomputed.ttftMs} ms`);
  });

  it('atc-holder and atc-noholder are the default config with the mode on and off', () => {
    const on = loadSchedulerConfig(policyConfig('atc-holder'));
    const off = loadSchedulerConfig(policyConfig('atc-noholder'));
    const mode = (c: typeof on) => (c.profileHandler as unknown as { cacheHolder?: unknown }).cacheHolder !== undefined;
    assert.equal(mode(on), true);
    assert.equal(mode(off), false);
    assert.equal(atcWithCacheHolderPrefill(false), policyConfig('atc-noholder'));
    assert.throws(() => atcWithCacheHolderPrefill(true, 'plugins: []'), /no cacheHolderPrefill line/);
  });
});
