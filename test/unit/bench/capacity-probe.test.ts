// A capacity probe stops once its outcome is decided; the outcome must be the one a full run gives.
import assert from 'node:assert/strict';
import { runProbe } from '../../../bench/routing/harness/capacity-probe.js';
import { passes } from '../../../bench/routing/harness/capacity.js';
import { parseRoutingFlags } from '../../../bench/routing/harness/flags.js';
import { summarizeRun } from '../../../bench/routing/harness/summary.js';
import { runVirtual } from '../../../bench/routing/harness/virtual-run.js';
import { llmdSharedPrefix, mooncakeConversation } from '../../../bench/routing/scenarios/index.js';
import type { Scenario } from '../../../bench/routing/scenarios/index.js';

const cases: Array<{ scenario: Scenario; args: string[]; loads: number[] }> = [
  // Open loop, a TTFT-only SLO: passing probes stop at the last first token, failing ones sooner.
  { scenario: mooncakeConversation, args: ['--duration-s', '20', '--capacity-duration-s', '20', '--replicas', '2'], loads: [0.5, 2, 6] },
  // A barrier workload: the warm-up drains, then the probe stage stops at its last first token.
  {
    scenario: llmdSharedPrefix,
    args: [
      '--groups',
      '6',
      '--prompts-per-group',
      '3',
      '--system-tokens',
      '600',
      '--question-tokens',
      '100',
      '--output-tokens',
      '200',
      '--replicas',
      '2',
      '--profile',
      'llama-3-8b-h100',
      '--warmup',
      '3:2',
      '--capacity-s',
      '3',
    ],
    loads: [5, 40, 400],
  },
];

describe('capacity probes that stop early', () => {
  for (const c of cases)
    it(`${c.scenario.name}: the same p90 TTFT and verdict as the whole run`, () => {
      const flags = parseRoutingFlags(c.scenario, c.args);
      const layout = c.scenario.layouts(flags, false)[0]!;
      for (const load of c.loads) {
        const probe = runProbe({ scenario: c.scenario, flags, seed: 4, policy: 'atc', layout }, load);
        const b = c.scenario.build({ seed: 4, flags, load });
        const full = summarizeRun(runVirtual(b.workload, 'atc', layout.fleet, { seed: 4 }), b.slo, b.stages);
        const fullOutcome = {
          p90TtftMs: full.ttft_ms.p90 ?? Infinity,
          failed: full.failed,
          completed: full.completed,
          outputTokensPerS: 0,
        };
        assert.equal(
          passes(probe, b.slo.ttftMs),
          passes(fullOutcome, b.slo.ttftMs),
          `load ${load}: probe ${probe.p90TtftMs} vs full ${full.ttft_ms.p90}`,
        );
        if (Number.isFinite(probe.p90TtftMs)) {
          assert.equal(probe.p90TtftMs, full.ttft_ms.p90, `load ${load}`);
          assert.equal(probe.completed, full.completed);
        }
      }
    });
});
