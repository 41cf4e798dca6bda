import assert from 'node:assert/strict';
import { parseRoutingFlags } from '../../../bench/routing/harness/flags.js';
import { option } from '../../../shared/config/index.js';
import { seededTokens } from '../../../bench/routing/harness/token-ids.js';
import { replicas, type PlannedRequest } from '../../../bench/routing/harness/workload.js';
import { resultsJson } from '../../../bench/routing/report/write-results.js';
import { reportHtml } from '../../../bench/routing/report/report-html.js';
import { runScenario, type ScenarioResults } from '../../../bench/routing/run-scenario.js';
import { defineScenario } from '../../../bench/routing/scenarios/index.js';

// Tiny: 2 llama replicas, 3 shared 512-token prefixes (3 is odd: a 2-worker rotation splits each over both), 40 requests at --rate (default 20/s), 8 tokens out.
const tiny = defineScenario({
  name: 'tiny',
  doc: 'test scenario',
  flags: { rate: option.number({ flag: 'rate', min: 0, exclusiveMin: true, default: 20, doc: 'requests/s' }) },
  defaultPolicies: ['atc'],
  capacity: { unit: 'qps', initial: 20, min: 1, max: 400 },
  layouts: () => [{ name: '2 × llama', fleet: { profile: 'llama-3-8b-h100', replicas: replicas(2, 'decode') } }],
  build({ seed, flags, load }) {
    const rate = load ?? flags.rate;
    const prefixes = [0, 1, 2].map((g) => seededTokens(seed * 10 + g, 512));
    const requests: PlannedRequest[] = Array.from({ length: 40 }, (_, i) => ({
      id: `q${i}`,
      arrivalMs: (i * 1000) / rate,
      prompt: () => prefixes[i % 3]!.concat(seededTokens(1000 + i, 64)),
      maxTokens: 8,
      stage: i < 20 ? 0 : 1,
    }));
    const half = (20 * 1000) / rate;
    return {
      description: 'tiny',
      workload: { requests },
      stages: [
        { label: 'a', offeredLoad: rate, startMs: 0, endMs: half, warmup: false },
        { label: 'b', offeredLoad: rate, startMs: half, endMs: 2 * half, warmup: false },
      ],
      slo: { ttftMs: 2000 },
    };
  },
});

function run(seed: number, capacity = false): Promise<ScenarioResults> {
  const flags = parseRoutingFlags(tiny, []);
  return runScenario({
    scenario: tiny,
    flags,
    policies: ['atc', 'round-robin'],
    seed,
    capacity,
    maxCapacityRuns: 3,
    progress: false,
    command: 'test',
  });
}

const withoutWallTime = (r: ScenarioResults) => JSON.stringify(resultsJson(r), (k, v) => (k === 'wall_s' ? 0 : v));

describe('virtual-time harness on a tiny scenario', () => {
  it('gives identical results for the same seed, and different ones for another seed', async () => {
    const a = await run(3);
    assert.equal(withoutWallTime(a), withoutWallTime(await run(3)));
    assert.notEqual(withoutWallTime(a), withoutWallTime(await run(4)));
  });

  it('writes results.json with the documented shape', async () => {
    const r = resultsJson(await run(1));
    assert.deepEqual(Object.keys(r).sort(), [
      'capacity_unit',
      'command',
      'description',
      'harness',
      'mode',
      'policies',
      'reuse_bound',
      'scenario',
      'seed',
      'slo',
    ]);
    assert.equal(r.policies.length, 2);
    for (const p of r.policies) {
      for (const key of [
        'policy',
        'completed',
        'failed',
        'ttft_ms',
        'itl_ms',
        'e2e_ms',
        'output_tokens_per_s',
        'requests_per_s',
        'request_hit_rate',
        'engine_prefix_cache_hit_rate',
        'reuse_bound',
        'goodput_per_s',
        'load_spread',
      ]) {
        assert.ok(key in p, `policy entry lacks ${key}`);
      }
      for (const key of ['ttft_ms', 'itl_ms', 'e2e_ms'] as const)
        assert.deepEqual(Object.keys(p[key]).sort(), ['mean', 'p50', 'p90', 'p99']);
      // Every request completes (nothing is too long for the engine), and each went to one of the 2 workers.
      assert.equal(p.completed, 40);
      assert.equal(p.failed, 0);
      assert.equal(
        Object.values(p.load_spread.requests_per_worker).reduce((a, b) => a + b, 0),
        40,
      );
      assert.ok(p.ttft_ms.p50 > 0 && p.ttft_ms.p50 <= p.ttft_ms.p90 && p.ttft_ms.p90 <= p.ttft_ms.p99);
      // 8 output tokens per request: 7 gaps each, ITL positive.
      assert.ok(p.itl_ms.p50 > 0);
      assert.equal(p.stages?.length, 2);
    }
    // Round-robin alternates over 2 workers: exactly 20 each.
    const rr = r.policies.find((p) => p.policy === 'round-robin')!;
    assert.deepEqual(Object.values(rr.load_spread.requests_per_worker), [20, 20]);
    // 3 prefixes rotated over 2 workers: round-robin computes each prefix on both workers (6 cold
    // prefixes), the cache-aware default keeps each on one (3), so its hit rate is higher.
    const atc = r.policies.find((p) => p.policy === 'atc')!;
    assert.ok(atc.request_hit_rate > rr.request_hit_rate, `${atc.request_hit_rate} vs ${rr.request_hit_rate}`);
    // Neither reaches more than one unlimited cache would; the bound is the workload's, the same for both.
    assert.equal(atc.reuse_bound, rr.reuse_bound);
    for (const p of [atc, rr]) assert.ok(p.request_hit_rate <= p.reuse_bound, `${p.policy}: ${p.request_hit_rate} > ${p.reuse_bound}`);
  });

  it('searches capacity within the run budget and renders the report', async () => {
    const r = await run(1, true);
    for (const p of r.policies) {
      assert.ok(p.capacity !== undefined);
      assert.ok(p.capacity.probes.length <= 3);
      // The tiny load passes at 20/s (TTFTs of a few ms), so the capacity is at least that.
      assert.ok(p.capacity.capacity >= 20, `capacity ${p.capacity.capacity}`);
    }
    const html = reportHtml(r);
    assert.match(html, /<svg/);
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/); // nothing fetched from the network
  });
});
