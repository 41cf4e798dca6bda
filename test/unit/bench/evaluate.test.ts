import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkloadGroup, type MatrixEntry } from '../../../bench/routing/evaluate/matrix.js';
import { BEGIN_MARKER, END_MARKER, runEvaluation, spliceBetweenMarkers } from '../../../bench/routing/evaluate/run-evaluate.js';
import { spread, summarizeGroup } from '../../../bench/routing/evaluate/summary.js';
import { GROUPS } from '../../../bench/routing/evaluate/matrix.js';

const window = (name: string, group: WorkloadGroup, startS: number): MatrixEntry => ({
  name,
  group,
  scenario: 'mooncake-conversation',
  args: ['--start-s', String(startS), '--duration-s', '20', '--capacity-duration-s', '20', '--replicas', '4'],
  initial: 2,
});

describe('npm run bench -- evaluate', () => {
  it('spread: median of an odd and an even count, min and max', () => {
    assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3 });
    assert.deepEqual(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4 });
  });

  it('summarizes a group: mean over its entries per seed, the best baseline, ratios and the verdict', () => {
    const info = GROUPS.find((g) => g.group === WorkloadGroup.MooncakeEvaluation)!;
    const entries = [window('a', WorkloadGroup.MooncakeEvaluation, 300), window('b', WorkloadGroup.MooncakeEvaluation, 600)];
    const capacities = {
      a: { atc: [4, 4, 4], dynamo: [3, 3.2, 3.1], sglang: [2, 2, 2], ideal: [5, 5, 5] },
      b: { atc: [2, 2.2, 2], dynamo: [2, 2, 2.1], sglang: [1, 1, 1], ideal: [3, 3, 3] },
    };
    const s = summarizeGroup(info, entries, ['atc', 'dynamo', 'sglang', 'ideal'], capacities);
    assert.deepEqual(s.bySeed['atc'], [3, 3.1, 3]);
    assert.deepEqual(s.bySeed['dynamo'], [2.5, 2.6, 2.6]);
    assert.equal(s.bestBaseline, 'dynamo');
    // atc 3–3.1 against dynamo 2.5–2.6: no overlap, a win; the ratio is that of the medians (3 / 2.6).
    assert.equal(s.atcOverBest?.verdict, 'win');
    assert.ok(Math.abs(s.atcOverBest.median - 3 / 2.6) < 1e-12);
    assert.ok(Math.abs(s.atcOverIdeal!.median - 3 / 4) < 1e-12);
    // Overlapping spreads are a tie whatever the medians say.
    const tie = summarizeGroup(info, entries, ['atc', 'dynamo'], {
      a: { atc: [3, 3, 3], dynamo: [2.9, 3.1, 3] },
      b: { atc: [3, 3, 3], dynamo: [3, 3, 3] },
    });
    assert.equal(tie.atcOverBest?.verdict, 'tie');
    // Apart, but by less than the search's 2% resolution: a tie too.
    const close = summarizeGroup(info, entries, ['atc', 'dynamo'], {
      a: { atc: [3.05, 3.05, 3.05], dynamo: [3, 3, 3] },
      b: { atc: [3.05, 3.05, 3.05], dynamo: [3, 3, 3] },
    });
    assert.equal(close.atcOverBest?.verdict, 'tie');
  });

  it('splices the tables between the markers, and only there', () => {
    const doc = `# B\n\nbefore\n${BEGIN_MARKER}\nold tables\n${END_MARKER}\nafter\n`;
    const out = spliceBetweenMarkers(doc, '| new |')!;
    assert.equal(out, `# B\n\nbefore\n${BEGIN_MARKER}\n| new |\n${END_MARKER}\nafter\n`);
    assert.equal(spliceBetweenMarkers(out, '| new |'), out);
    assert.equal(spliceBetweenMarkers('# no markers\n', 'x'), null);
  });

  it('runs a small matrix end to end on worker threads and writes its tables', async function () {
    this.timeout(240_000);
    const out = mkdtempSync(join(tmpdir(), 'atc-eval-'));
    const benchmarks = join(out, 'BENCHMARKS.md');
    writeFileSync(benchmarks, `# Benchmarks\n${BEGIN_MARKER}\n${END_MARKER}\n`);
    const entries = [
      window('tune', WorkloadGroup.MooncakeTuning, 0),
      window('w1', WorkloadGroup.MooncakeEvaluation, 300),
      window('w2', WorkloadGroup.MooncakeEvaluation, 600),
    ];
    const r = await runEvaluation({
      command: 'test',
      out,
      jobs: 2,
      entries,
      policies: ['atc', 'dynamo', 'ideal'],
      seeds: [1, 2],
      benchmarksFile: benchmarks,
      progress: false,
    });
    assert.deepEqual(
      r.groups.map((g) => g.info.group),
      [WorkloadGroup.MooncakeTuning, WorkloadGroup.MooncakeEvaluation],
    );
    for (const e of entries)
      for (const p of ['atc', 'dynamo', 'ideal']) {
        const caps = r.capacities[e.name]![p]!;
        assert.equal(caps.length, 2);
        for (const c of caps) assert.ok(c > 0, `${p} on ${e.name}: capacity ${c}`);
      }
    const evaluation = r.groups[1]!.summary;
    assert.deepEqual(
      evaluation.bySeed['atc'],
      [0, 1].map((s) => (r.capacities['w1']!['atc']![s]! + r.capacities['w2']!['atc']![s]!) / 2),
    );
    const md = readFileSync(join(out, 'EVALUATION.md'), 'utf8');
    assert.match(md, /\| Mooncake trace, tuning window \(0–5 min\) \(tuning data\) \|/);
    assert.match(md, /Per window \(median over seeds\)/);
    assert.ok(readFileSync(benchmarks, 'utf8').includes('| atc |'), 'tables spliced into the benchmarks file');
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.equal(json.groups.length, 2);
  });
});
