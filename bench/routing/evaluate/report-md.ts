// EVALUATION.md: the evaluation's tables, the ones spliced into BENCHMARKS.md.
import { ATC_POLICY } from '../harness/policies.js';
import type { GroupInfo, MatrixEntry } from './matrix.js';
import { spread, type GroupSummary, type Spread } from './summary.js';

export interface EvaluationReport {
  readonly command: string;
  readonly wallS: number;
  readonly jobs: number;
  readonly seeds: readonly number[];
  readonly policies: readonly string[];
  readonly entries: readonly MatrixEntry[];
  readonly groups: ReadonlyArray<{ readonly info: GroupInfo; readonly summary: GroupSummary }>;
  /** capacities[entry][policy] per seed. */
  readonly capacities: Readonly<Record<string, Readonly<Record<string, readonly number[]>>>>;
  readonly probes: number;
}

const n3 = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : '–');
const r2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const range = (s: Spread) => `${n3(s.min)}–${n3(s.max)}`;
const rangeR = (s: Spread) => `${r2(s.min)}–${r2(s.max)}`;

export function evaluationMarkdown(r: EvaluationReport): string {
  const lines: string[] = [];
  const minutes = (r.wallS / 60).toFixed(1);
  lines.push(
    `\`${r.command}\`: ${r.entries.length} workloads × ${r.policies.length} policies × seeds ${r.seeds.join(', ')}, ${r.probes} capacity probes, ` +
      `${minutes} min wall with --jobs ${r.jobs}. SLO capacity: the highest load at which p90 TTFT stays within the workload's bound with no failed ` +
      `request, bisected to 2%. Medians over seeds, min–max beside them; "tie" where atc's spread and the best baseline's overlap or their medians are within the search's 2%.`,
    '',
  );
  lines.push(
    '| workload | unit | atc | best faithful baseline | atc / best (per-seed range) | verdict | ideal | atc / ideal (per-seed range) |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const { info, summary } of r.groups) {
    const atc = summary.capacity[ATC_POLICY];
    const best = summary.bestBaseline;
    const ideal = summary.capacity['ideal'];
    lines.push(
      `| ${info.title}${info.tuning ? ' (tuning data)' : ''} | ${info.unit} | ${atc ? `${n3(atc.median)} (${range(atc)})` : '–'} | ` +
        `${best ? `${best} ${n3(summary.capacity[best]!.median)} (${range(summary.capacity[best]!)})` : '–'} | ` +
        `${summary.atcOverBest ? `${r2(summary.atcOverBest.median)} (${rangeR(summary.atcOverBest)})` : '–'} | ${summary.atcOverBest?.verdict ?? '–'} | ` +
        `${ideal ? `${n3(ideal.median)} (${range(ideal)})` : '–'} | ${summary.atcOverIdeal ? `${r2(summary.atcOverIdeal.median)} (${rangeR(summary.atcOverIdeal)})` : '–'} |`,
    );
  }
  for (const { info, summary } of r.groups) {
    lines.push('', `#### ${info.title}`, '', `${info.what}; SLO p90 TTFT ≤ ${info.sloTtftMs / 1000} s; capacity in ${info.unit}.`, '');
    lines.push('| policy | capacity (median) | min–max over seeds | share of ideal |', '|---|---|---|---|');
    for (const p of r.policies) {
      const c = summary.capacity[p]!;
      lines.push(`| ${p} | ${n3(c.median)} | ${range(c)} | ${r2(summary.shareOfIdeal[p]!)} |`);
    }
    const entries = r.entries.filter((e) => e.group === info.group);
    if (entries.length > 1) {
      lines.push(
        '',
        'Per window (median over seeds):',
        '',
        `| window | ${r.policies.join(' | ')} |`,
        `|---|${r.policies.map(() => '---').join('|')}|`,
      );
      for (const e of entries) {
        lines.push(`| ${e.name} | ${r.policies.map((p) => n3(spread(r.capacities[e.name]![p]!).median)).join(' | ')} |`);
      }
    }
  }
  lines.push('');
  return lines.join('\n');
}
