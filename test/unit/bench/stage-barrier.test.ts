import assert from 'node:assert/strict';
import { parseRoutingFlags } from '../../../bench/routing/harness/flags.js';
import { runVirtual } from '../../../bench/routing/harness/virtual-run.js';
import { summarizeRun } from '../../../bench/routing/harness/summary.js';
import { resultsJson } from '../../../bench/routing/report/write-results.js';
import { runScenario, type ScenarioResults } from '../../../bench/routing/run-scenario.js';
import { llmdSharedPrefix, parseRateStages } from '../../../bench/routing/scenarios/llmd-shared-prefix.js';

// A small llm-d shared-prefix run: 4 groups × 2 prompts of 64+16 tokens, 8 tokens out, 2 llama replicas.
const SMALL = [
  '--groups',
  '4',
  '--prompts-per-group',
  '2',
  '--system-tokens',
  '64',
  '--question-tokens',
  '16',
  '--output-tokens',
  '8',
  '--replicas',
  '2',
  '--profile',
  'llama-3-8b-h100',
  '--warmup',
  '4:2',
  '--stages',
  '2:3,10:2',
];
const flagsOf = (args: readonly string[]) => parseRoutingFlags(llmdSharedPrefix, args);

describe('llmd-shared-prefix as inference-perf runs it', () => {
  it('sends int(rate × seconds) requests per stage, each stage replaying one shuffled prompt order from its start', () => {
    const built = llmdSharedPrefix.build({ seed: 1, flags: flagsOf(SMALL) });
    const byStage = [0, 1, 2].map((s) => built.workload.requests.filter((r) => r.stage === s));
    assert.deepEqual(
      byStage.map((g) => g.length),
      [8, 6, 20],
    );
    assert.ok(byStage[0]!.every((r) => r.warmup === true) && byStage[2]!.every((r) => r.warmup !== true));
    // Arrival times count from each stage's own start.
    for (const g of byStage) assert.ok(g[0]!.arrivalMs < 1000 && g.every((r, i) => i === 0 || r.arrivalMs >= g[i - 1]!.arrivalMs));
    const prompt = (s: number, j: number) => byStage[s]![j]!.prompt().join(',');
    // Request j of any stage sends prompt j mod 8: stage 2's requests 0-5 repeat stage 1's, 8-15 repeat 0-7.
    for (let j = 0; j < 6; j++) assert.equal(prompt(2, j), prompt(1, j));
    for (let j = 0; j < 8; j++) assert.equal(prompt(2, j + 8), prompt(2, j));
    // One cycle of 8 covers every prompt once.
    assert.equal(new Set(byStage[0]!.map((r) => r.prompt().join(','))).size, 8);
    assert.equal(built.workload.stageBarrier?.gapMs, 1000);
  });

  it('a capacity probe of a fixed request count: every prompt once at the probed rate, with or without a warm-up', () => {
    const cold = llmdSharedPrefix.build({ seed: 1, flags: flagsOf([...SMALL, '--warmup', 'none', '--capacity-requests', '8']), load: 100 });
    assert.equal(cold.workload.requests.length, 8);
    assert.ok(cold.workload.requests.every((r) => r.warmup !== true && r.stage === 0));
    assert.equal(new Set(cold.workload.requests.map((r) => r.prompt().join(','))).size, 8);
    // With the warm-up: its 8 requests, then exactly 8 at the probed rate, whatever the rate.
    const warm = llmdSharedPrefix.build({ seed: 1, flags: flagsOf([...SMALL, '--capacity-requests', '8']), load: 100 });
    assert.deepEqual(
      [0, 1].map((s) => warm.workload.requests.filter((r) => r.stage === s).length),
      [8, 8],
    );
    assert.throws(
      () => flagsOf([...SMALL, '--capacity-requests', '2.5']),
      /^OptionsError: --capacity-requests must be an integer >= 0, got "2\.5"$/,
    );
  });

  it('starts each stage only after the previous one drained, plus the gap', () => {
    const flags = flagsOf([...SMALL, '--stage-gap-s', '0.5']);
    const built = llmdSharedPrefix.build({ seed: 2, flags });
    const run = runVirtual(built.workload, 'atc', llmdSharedPrefix.layouts(flags, false)[0]!.fleet, { seed: 2 });
    assert.equal(run.requests.length, 34);
    assert.equal(run.stageSpans?.length, 3);
    for (let s = 1; s < 3; s++) {
      const prevEnd = Math.max(...run.requests.filter((r) => r.stage === s - 1).map((r) => r.arrivalMs + r.e2eMs));
      const firstArrival = Math.min(...run.requests.filter((r) => r.stage === s).map((r) => r.arrivalMs));
      assert.equal(run.stageSpans[s - 1]!.endMs, prevEnd);
      assert.equal(run.stageSpans[s]!.startMs, prevEnd + 500);
      assert.ok(firstArrival >= prevEnd + 500);
    }
    // Per-stage throughput: the stage's own tokens over its span.
    const figures = summarizeRun(run, built.slo, built.stages);
    const last = figures.stages![1]!;
    const span = run.stageSpans[2]!;
    assert.equal(last.completed, 20);
    assert.ok(Math.abs(last.output_tokens_per_s - (20 * 8) / ((span.endMs - span.startMs) / 1000)) < 0.1);
  });

  it('a stage too short for one request is empty, wherever it is, and an empty run ends', () => {
    // 0.1/s × 2 s: int(0.2) = 0 requests, as inference-perf sends.
    const flags = flagsOf([...SMALL.slice(0, -2), '--stages', '0.1:2,2:3,0.1:2']);
    const built = llmdSharedPrefix.build({ seed: 1, flags });
    const run = runVirtual(built.workload, 'atc', llmdSharedPrefix.layouts(flags, false)[0]!.fleet, { seed: 1 });
    const figures = summarizeRun(run, built.slo, built.stages);
    assert.deepEqual(
      figures.stages!.map((s) => [s.completed, s.output_tokens_per_s]),
      [
        [0, 0],
        [6, figures.stages![1]!.output_tokens_per_s],
        [0, 0],
      ],
    );
    assert.ok(figures.stages![1]!.output_tokens_per_s > 0);
    assert.equal(run.stageSpans?.length, 4);
    const none = flagsOf([...SMALL.slice(0, -4), '--warmup', '0.1:2', '--stages', '0.1:2']);
    const empty = runVirtual(
      llmdSharedPrefix.build({ seed: 1, flags: none }).workload,
      'atc',
      llmdSharedPrefix.layouts(none, false)[0]!.fleet,
      { seed: 1 },
    );
    assert.equal(empty.requests.length, 0);
  });

  it('--back-to-back puts the stages on one clock instead', () => {
    const built = llmdSharedPrefix.build({ seed: 1, flags: flagsOf([...SMALL, '--back-to-back']) });
    assert.equal(built.workload.stageBarrier, undefined);
    const first = built.workload.requests.filter((r) => r.stage === 2).map((r) => r.arrivalMs);
    assert.ok(Math.min(...first) >= 5000, 'the last stage starts after warm-up (2 s) and the first stage (3 s)');
  });

  it('rejects a malformed ladder, naming the flag and the entry', () => {
    assert.deepEqual(parseRateStages('stages', '3:20, 10:5'), [
      { rate: 3, seconds: 20 },
      { rate: 10, seconds: 5 },
    ]);
    assert.throws(() => parseRateStages('stages', '3:20,10'), /--stages: '10' is not rate:seconds/);
    assert.throws(() => parseRateStages('warmup', '0:5'), /--warmup: '0:5'/);
    assert.throws(() => parseRateStages('stages', ''), /--stages needs at least one/);
  });
});

describe('policies on worker threads', () => {
  const scenarioRun = (jobs: number): Promise<ScenarioResults> =>
    runScenario({
      scenario: llmdSharedPrefix,
      flags: flagsOf(SMALL),
      policies: ['atc', 'round-robin', 'llmd-precise'],
      seed: 5,
      capacity: false,
      progress: false,
      command: 'test',
      jobs,
    });
  const figures = (r: ScenarioResults) => JSON.stringify(resultsJson(r), (k, v) => (k === 'wall_s' ? 0 : v));

  it('give the same results as one thread, in the order of the policies', async () => {
    const one = await scenarioRun(1);
    const two = await scenarioRun(2);
    assert.deepEqual(
      two.policies.map((p) => p.name),
      ['atc', 'round-robin', 'llmd-precise'],
    );
    assert.equal(figures(two), figures(one));
  });
});
