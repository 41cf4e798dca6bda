import assert from 'node:assert/strict';
import { spreadWithinResolution, timestampResolutionMs } from '../../../bench/routing/harness/arrivals.js';
import { parseRoutingFlags } from '../../../bench/routing/harness/flags.js';
import { mooncakeConversation } from '../../../bench/routing/scenarios/index.js';
import { seededRandom } from '../../../shared/scheduling/index.js';

describe('trace arrivals', () => {
  const rows: Array<[string, number[], number]> = [
    // The Mooncake conversation trace's shape: steps of 3,000 ms, jittered by a millisecond.
    ['3 s steps', [0, 0, 0, 3000, 3000, 6000, 8999, 12000, 15000], 3000],
    ['no two distinct timestamps', [5, 5, 5], 0],
    ['empty', [], 0],
    // 1 and 2 ms gaps twice each: ties go to the smaller.
    ['a tie between gaps', [0, 1, 2, 4, 6], 1],
  ];
  for (const [what, ts, want] of rows) it(`resolution: ${what}`, () => assert.equal(timestampResolutionMs(ts), want));

  it('spreads each shared timestamp within its resolution, keeping the order and the lone requests', () => {
    const ts = [0, 0, 0, 0, 3000, 4000, 4000, 9000];
    const out = spreadWithinResolution(ts, 3000, seededRandom(5));
    assert.equal(out.length, ts.length);
    for (let i = 1; i < out.length; i++) assert.ok(out[i]! >= out[i - 1]!, `order at ${i}`);
    for (let i = 0; i < 4; i++) assert.ok(out[i]! >= 0 && out[i]! < 3000, `request ${i} at ${out[i]}`);
    assert.equal(out[4], 3000); // alone on its timestamp
    // 4000 is followed by 9000, but its group may take only its own resolution: [4000, 7000).
    for (const i of [5, 6]) assert.ok(out[i]! >= 4000 && out[i]! < 7000);
    assert.ok(new Set(out.slice(0, 4)).size === 4, 'the burst is no longer one instant');
    assert.deepEqual(spreadWithinResolution(ts, 3000, seededRandom(5)), out, 'seeded');
  });

  it('never spreads past the next distinct timestamp', () => {
    const out = spreadWithinResolution([0, 0, 0, 1000, 1000], 3000, seededRandom(1));
    for (const x of out.slice(0, 3)) assert.ok(x < 1000);
    for (const x of out.slice(3)) assert.ok(x >= 1000 && x < 4000);
  });

  const build = (args: string[], seed = 1) => {
    const flags = parseRoutingFlags(mooncakeConversation, ['--duration-s', '30', ...args]);
    return mooncakeConversation.build({ seed, flags });
  };

  it('replays the shipped trace spread by default, and as bursts with --arrivals burst', () => {
    const spread = build([]);
    const burst = build(['--arrivals', 'burst']);
    assert.match(spread.description, /spread uniformly within its 3000 ms resolution \(detected\)/);
    assert.match(burst.description, /replayed as one burst/);
    const at = (b: typeof spread) => b.workload.requests.map((r) => r.arrivalMs);
    // Bursts: every arrival on a 3 s step (at speed-up 4, multiples of ~750 ms); spread: the same count, distinct times.
    assert.equal(at(spread).length, at(burst).length);
    assert.ok(new Set(at(burst)).size < at(burst).length / 2, 'the trace has bursts');
    assert.ok(new Set(at(spread)).size > 0.95 * at(spread).length, 'spread arrivals are (nearly) all distinct');
    // Same requests in the same order: prompts agree position by position.
    assert.deepEqual(
      spread.workload.requests.map((r) => r.prompt().length),
      burst.workload.requests.map((r) => r.prompt().length),
    );
  });

  it('takes --time-resolution-ms over the detected one, and refuses a bad --arrivals', () => {
    assert.match(build(['--time-resolution-ms', '500']).description, /within its 500 ms resolution \(given\)/);
    assert.throws(() => build(['--arrivals', 'poisson']), /--arrivals must be one of spread, burst, got "poisson"/);
  });
});
