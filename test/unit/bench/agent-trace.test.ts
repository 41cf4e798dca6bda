import assert from 'node:assert/strict';
import { parseRoutingFlags } from '../../../bench/routing/harness/flags.js';
import { agentTrace, traceJsonl } from '../../../bench/routing/scenarios/agent-trace.js';
import { parseTrace, traceReplay } from '../../../bench/routing/scenarios/index.js';
import { MOONCAKE_BLOCK_TOKENS } from '../../../bench/routing/harness/token-ids.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const small = { durationS: 60, sessionRatePerS: 0.5, apps: 4, seed: 7 };

describe('synthetic agent trace (Mooncake format)', () => {
  it('is a valid Mooncake-format trace, the same for the same seed', () => {
    const records = agentTrace(small);
    assert.ok(records.length > 20, `${records.length} requests`);
    const parsed = parseTrace(traceJsonl(records), 'agent.jsonl');
    assert.deepEqual(parsed, records);
    assert.equal(traceJsonl(agentTrace(small)), traceJsonl(records));
    assert.notEqual(traceJsonl(agentTrace({ ...small, seed: 8 })), traceJsonl(records));
    assert.ok(records.every((r) => r.timestampMs < 60_000));
  });

  it('re-sends shared prefixes and session context: most blocks were seen before, partial tail blocks never', () => {
    const records = agentTrace(small);
    const seen = new Set<number>();
    let blocks = 0;
    let reused = 0;
    for (const r of records) {
      const full = Math.floor(r.inputLength / MOONCAKE_BLOCK_TOKENS);
      r.hashIds.forEach((id, k) => {
        blocks++;
        if (seen.has(id)) {
          reused++;
          assert.ok(k < full, 'a partial last block is new in every request');
        }
      });
      for (const id of r.hashIds) seen.add(id);
    }
    // Apps' prefixes and growing sessions: well over half the blocks repeat (the conversation trace: ~40%).
    assert.ok(reused / blocks > 0.6, `reuse ${(reused / blocks).toFixed(2)}`);
  });

  it('replays through --trace, rejecting an empty window clearly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atc-agent-'));
    const file = join(dir, 'agent.jsonl');
    writeFileSync(file, traceJsonl(agentTrace(small)));
    const built = traceReplay.build({ seed: 1, flags: parseRoutingFlags(traceReplay, ['--trace', file, '--start-s', '30']) });
    assert.ok(built.workload.requests.length > 5);
    assert.ok(built.workload.requests[0]!.arrivalMs < 30_000, 'shifted to start at 0');
    assert.throws(
      () => traceReplay.build({ seed: 1, flags: parseRoutingFlags(traceReplay, ['--trace', file, '--start-s', '3600']) }),
      /no request arrives in the chosen window/,
    );
  });

  it('rejects bad options, naming the flag', () => {
    assert.throws(() => agentTrace({ ...small, sessionRatePerS: 0 }), /--session-rate must be > 0/);
    assert.throws(() => agentTrace({ ...small, apps: 1.5 }), /--apps must be a positive integer/);
  });
});
