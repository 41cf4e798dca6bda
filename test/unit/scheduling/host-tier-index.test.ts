import assert from 'node:assert/strict';
import type { KvCacheEvent } from '../../../shared/engine/types.js';
import { SchedulingCycle } from '../../../shared/scheduling/cycle.js';
import { loadSchedulerConfig } from '../../../shared/scheduling/config/loader.js';
import { BASELINE_CONFIGS, DEFAULT_SCHEDULER_CONFIG, Scheduler, splitByMedium } from '../../../shared/scheduling/index.js';
import { PrecisePrefixScorer } from '../../../shared/scheduling/plugins/scorers/precise-prefix-scorer.js';
import { batch, engineHashes, NOW_MS, removed, request, stored, tokens, worker } from './fixtures.js';

function cpuStored(hashes: string[]): KvCacheEvent {
  return { type: 'BlockStored', blockHashes: hashes, parentBlockHash: null, tokenIds: [], blockSize: 16, loraId: null, medium: 'CPU' };
}
function cpuRemoved(hashes: string[]): KvCacheEvent {
  return { type: 'BlockRemoved', blockHashes: hashes, medium: 'CPU' };
}

const PROMPT = tokens(160); // 10 blocks
const A = engineHashes('a', 10);

/** Worker a: blocks 0-4 in GPU memory, 0-9 in its CPU tier (5-9 evicted from GPU); worker b: nothing. */
function schedulerWithTiers(config: string = DEFAULT_SCHEDULER_CONFIG): Scheduler {
  const s = new Scheduler({ config });
  s.applyKvEvents('a', 1, batch(stored(A, null, PROMPT), cpuStored(A)));
  s.applyKvEvents('a', 2, batch(removed(A.slice(5))));
  s.applyKvEvents('b', 1, batch());
  return s;
}

function cycleOf(s: Scheduler): SchedulingCycle {
  return new SchedulingCycle(request(PROMPT), { nowMs: NOW_MS, workers: [worker('a'), worker('b')], state: s.state, random: () => 0.5 });
}

describe('host tier (CPU offload) in the scheduling state', () => {
  it('keeps the tiers apart: a CPU removal leaves the GPU index alone, a GPU removal the CPU tier', () => {
    const s = schedulerWithTiers();
    assert.equal(s.state.prefixIndex.matchPrefix(s.state.prefixIndex.blockHashes(PROMPT)).get('a'), 5);
    assert.equal(s.state.hostTier.workerBlockCount('a'), 10);
    s.applyKvEvents('a', 3, batch(cpuRemoved([A[0]!])));
    assert.equal(s.state.prefixIndex.matchPrefix(s.state.prefixIndex.blockHashes(PROMPT)).get('a'), 5);
    assert.equal(s.state.hostTier.workerBlockCount('a'), 9);
  });

  it('counts host blocks after the GPU match, at the config weight (atc: 0.9)', () => {
    const c = cycleOf(schedulerWithTiers());
    assert.equal(c.cachedBlocks('a'), 5);
    assert.equal(c.hostBlocks('a'), 5);
    assert.equal(c.hostBlocks('b'), 0);
    // 160 tokens - (5 + 0.9 × 5) blocks × 16 = 8 tokens
    assert.ok(Math.abs(c.uncachedTokens('a') - 8) < 1e-9, String(c.uncachedTokens('a')));
    assert.equal(c.uncachedTokens('b'), 160);
    assert.deepEqual(
      new PrecisePrefixScorer('p', 0.9).score(c, [worker('a'), worker('b')]).map((x) => Number(x.toFixed(4))),
      [0.95, 0],
    );
    // Without a weight the host tier is not read.
    assert.deepEqual(new PrecisePrefixScorer('p').score(c, [worker('a'), worker('b')]), [0.5, 0]);
  });

  it('a config that gives no weight ignores the host tier (llm-d approximate, least-loaded)', () => {
    const s = schedulerWithTiers(BASELINE_CONFIGS['least-loaded']);
    const c = cycleOf(s);
    assert.equal(c.hostBlocks('a'), 0);
  });

  it('the faithful baselines that read KV events credit CPU hits as upstream does (llm-d 0.8, Dynamo 0.75)', () => {
    assert.equal(loadSchedulerConfig(BASELINE_CONFIGS['llmd-precise']).hostCacheHitWeight, 0.8);
    assert.equal(loadSchedulerConfig(BASELINE_CONFIGS.dynamo).hostCacheHitWeight, 0.75);
    assert.equal(loadSchedulerConfig(BASELINE_CONFIGS['llmd-approx']).hostCacheHitWeight, undefined);
    assert.equal(loadSchedulerConfig(DEFAULT_SCHEDULER_CONFIG).hostCacheHitWeight, 0.9);
  });

  it('refuses two plugins that value host hits differently', () => {
    const yaml = `plugins:
  - type: precise-prefix-cache-scorer
    parameters: { hostCacheHitWeight: 0.5 }
  - type: kv-cost-scorer
    parameters: { hostCacheHitWeight: 0.9 }
  - type: max-score-picker
schedulingProfiles:
  - name: decode
    plugins:
      - pluginRef: precise-prefix-cache-scorer
        weight: 1
      - pluginRef: kv-cost-scorer
        weight: 1
      - pluginRef: max-score-picker
`;
    assert.throws(() => loadSchedulerConfig(yaml), /hostCacheHitWeight 0.9 differs/);
  });

  it('skips a host store of a block the GPU index never saw, and drops the tier on a sequence gap', () => {
    const s = schedulerWithTiers();
    s.applyKvEvents('b', 2, batch(cpuStored(['never-seen'])));
    assert.equal(s.state.hostTier.skippedUnknown, 1);
    assert.equal(s.state.hostTier.workerBlockCount('b'), 0);
    const r = s.applyKvEvents('a', 9, batch());
    assert.equal(r.resyncNeeded, true);
    assert.equal(s.state.hostTier.workerBlockCount('a'), 0);
    s.removeWorker('a');
    assert.equal(s.state.hostTier.workerBlockCount('a'), 0);
  });

  it('splitByMedium: GPU, unlabelled and AllBlocksCleared events to the device tier, CPU events apart', () => {
    const b = batch(
      stored(['x'], null, tokens(16)),
      cpuStored(['x']),
      { type: 'AllBlocksCleared' },
      { type: 'BlockRemoved', blockHashes: ['y'], medium: null },
    );
    const { device, host } = splitByMedium(b);
    assert.deepEqual(
      device.events.map((e) => e.type),
      ['BlockStored', 'AllBlocksCleared', 'BlockRemoved'],
    );
    assert.deepEqual(host, [cpuStored(['x'])]);
    const gpuOnly = batch(stored(['x'], null, tokens(16)));
    assert.equal(splitByMedium(gpuOnly).device, gpuOnly);
  });
});
