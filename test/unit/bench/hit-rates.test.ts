// request_hit_rate counts each request's cached prompt tokens once; reuse_bound is what one unlimited
// cache would hold. No policy can beat the bound, on any shipped scenario (scaled down here); `ideal`,
// whose engines share one unlimited cache, reaches it.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRoutingFlags } from '../../../bench/routing/harness/flags.js';
import { ReuseBound } from '../../../bench/routing/harness/reuse-bound.js';
import { runScenario } from '../../../bench/routing/run-scenario.js';
import { agentTrace, traceJsonl } from '../../../bench/routing/scenarios/agent-trace.js';
import { ROUTING_SCENARIOS, routingScenario } from '../../../bench/routing/scenarios/index.js';
import { tokens } from '../scheduling/fixtures.js';

const agentFile = join(mkdtempSync(join(tmpdir(), 'atc-hit-')), 'agent.jsonl');
writeFileSync(agentFile, traceJsonl(agentTrace({ durationS: 20, sessionRatePerS: 1, apps: 4, seed: 3 })));

/** Every shipped routing scenario, scaled down to a few seconds. */
const SMALL: Record<string, string[]> = {
  'llmd-shared-prefix': [
    '--groups',
    '6',
    '--prompts-per-group',
    '3',
    '--system-tokens',
    '600',
    '--question-tokens',
    '100',
    '--output-tokens',
    '16',
    '--replicas',
    '3',
    '--profile',
    'llama-3-8b-h100',
    '--warmup',
    '3:2',
    '--stages',
    '6:4',
  ],
  'mooncake-conversation': ['--duration-s', '12', '--replicas', '4'],
  'chat-multiturn': ['--sessions', '10', '--turns', '3', '--output-tokens', '16', '--think-s', '1', '--replicas', '2'],
  'pd-long-prefill': ['--rates', '2', '--stage-s', '4', '--min-prompt', '2000', '--max-prompt', '3000', '--gpus', '2'],
  trace: ['--trace', agentFile, '--replicas', '3'],
};

describe('request hit rate and reuse bound', () => {
  it('ReuseBound: whole blocks from the start, never the last token, warm-up fills without counting', () => {
    const b = new ReuseBound(16);
    b.arrive(tokens(64), false); // warm-up: 4 blocks cached
    b.arrive(tokens(64), true); // 64 tokens: the last token is never a hit, so 3 blocks (48 tokens)
    b.arrive(tokens(100), true); // 6 full blocks, 4 known: 64 of 100
    b.arrive(tokens(50, 9000), true); // nothing known
    assert.equal(b.queries, 64 + 100 + 50);
    assert.equal(b.hits, 48 + 64);
  });

  for (const scenario of ROUTING_SCENARIOS)
    it(`${scenario.name}: every policy's request_hit_rate ≤ reuse_bound, and ideal reaches it`, async function () {
      this.timeout(120_000);
      const s = routingScenario(scenario.name);
      const args = SMALL[s.name];
      assert.ok(args !== undefined, `no scaled-down flags for ${s.name}: add them to this test`);
      const flags = parseRoutingFlags(s, args);
      const r = await runScenario({
        scenario: s,
        flags,
        policies: ['atc', 'round-robin', 'llmd', 'ideal'],
        seed: 2,
        capacity: false,
        progress: false,
        command: 't',
        jobs: 1,
      });
      assert.ok(r.reuse_bound !== null, `${s.name}: no reuse bound`);
      // pd-long-prefill's prompts share nothing: its bound is 0, and so must every hit rate be.
      if (s.name !== 'pd-long-prefill') assert.ok(r.reuse_bound > 0, `${s.name}: reuse bound ${r.reuse_bound}`);
      for (const p of r.policies) {
        assert.ok(p.completed > 0, `${p.name} completed nothing`);
        assert.ok(p.request_hit_rate <= p.reuse_bound + 1e-9, `${p.name}: request hit ${p.request_hit_rate} > bound ${p.reuse_bound}`);
        assert.ok(p.reuse_bound <= r.reuse_bound);
      }
      // The shared unlimited cache finds everything an earlier request computed, but where requests
      // sharing a new prefix arrive together (a later one can start before the first has cached it).
      const ideal = r.policies.filter((p) => p.policy === 'ideal');
      for (const p of ideal) assert.ok(p.request_hit_rate >= 0.9 * p.reuse_bound, `ideal: ${p.request_hit_rate} vs bound ${p.reuse_bound}`);
    });
});
