// `npm run bench -- evaluate`: every policy's SLO capacity on the frozen matrix (matrix.ts), on worker
// threads, then the tables: bench-out/evaluate/{results.json, EVALUATION.md}, and the same tables spliced
// into BENCHMARKS.md between its evaluate markers.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Progress } from '../harness/progress.js';
import { runWorkerTasks } from '../harness/worker-tasks.js';
import { agentTrace, DEFAULT_AGENT_TRACE, traceJsonl } from '../scenarios/agent-trace.js';
import type { CapacityTask, CapacityTaskResult } from './capacity-task.js';
import { EVAL_POLICIES, EVAL_SEEDS, evaluationMatrix, GROUPS, WorkloadGroup, type MatrixEntry } from './matrix.js';
import { evaluationMarkdown, type EvaluationReport } from './report-md.js';
import { summarizeGroup } from './summary.js';

export interface EvaluateOptions {
  readonly command: string;
  readonly out: string;
  readonly jobs?: number;
  /** Default: the frozen matrix. */
  readonly entries?: readonly MatrixEntry[];
  readonly policies?: readonly string[];
  readonly seeds?: readonly number[];
  /** A Markdown file with the evaluate markers to splice the tables into (BENCHMARKS.md); none: skip. */
  readonly benchmarksFile?: string;
  readonly progress?: boolean;
}

export const BEGIN_MARKER = '<!-- evaluate:begin (written by `npm run bench -- evaluate`) -->';
export const END_MARKER = '<!-- evaluate:end -->';

const WORKER_URL = new URL('./capacity-worker.js', import.meta.url);

/**
 * Task order: the tuning window first (its results warm-start the other windows of the same trace), then
 * the costliest workloads, so that the lanes end together.
 */
function rank(e: MatrixEntry): number {
  if (e.group === WorkloadGroup.MooncakeTuning) return 0;
  return e.scenario === 'llmd-shared-prefix' ? 1 : e.group === WorkloadGroup.MooncakeEvaluation ? 3 : 2;
}

/** Replaces the text between the markers; false when the file lacks them. */
export function spliceBetweenMarkers(text: string, body: string): string | null {
  const a = text.indexOf(BEGIN_MARKER);
  const b = text.indexOf(END_MARKER);
  if (a < 0 || b < a) return null;
  return `${text.slice(0, a + BEGIN_MARKER.length)}\n${body.trim()}\n${text.slice(b)}`;
}

export async function runEvaluation(o: EvaluateOptions): Promise<EvaluationReport> {
  const t0 = performance.now();
  mkdirSync(o.out, { recursive: true });
  const agentPath = join(o.out, 'agent-trace.jsonl');
  writeFileSync(agentPath, traceJsonl(agentTrace(DEFAULT_AGENT_TRACE)));
  const entries = o.entries ?? evaluationMatrix(agentPath);
  const policies = o.policies ?? EVAL_POLICIES;
  const seeds = o.seeds ?? EVAL_SEEDS;
  const jobs = Math.max(1, o.jobs ?? availableParallelism());
  const tasks: CapacityTask[] = entries.flatMap((entry) => policies.map((policy) => ({ entry, policy, seeds })));
  const order = tasks.map((_, i) => i).sort((a, b) => rank(tasks[a]!.entry) - rank(tasks[b]!.entry) || a - b);
  /** Seed 1's capacity of each policy on the tuning window, once known. */
  const tuned = new Map<string, number>();
  const progress = new Progress(tasks.length, process.stderr, o.progress ?? true);
  const ordered = order.map((i) => tasks[i]!);
  const capacities: Record<string, Record<string, number[]>> = {};
  let probes = 0;
  await runWorkerTasks<CapacityTask, CapacityTaskResult>(
    WORKER_URL,
    ordered,
    jobs,
    (t) => `${t.policy} on ${t.entry.name}`,
    (k) => ({
      progress: (fraction, label) => progress.update(String(k), fraction, label),
      unitDone: () => {},
      warn: (message) => process.stderr.write(message + '\n'),
    }),
    (k, r) => {
      const t = ordered[k]!;
      (capacities[t.entry.name] ??= {})[t.policy] = r.bySeed.map((c) => c.capacity);
      if (t.entry.group === WorkloadGroup.MooncakeTuning && r.bySeed[0] !== undefined) tuned.set(t.policy, r.bySeed[0].capacity);
      probes += r.bySeed.reduce((n, c) => n + c.probes.length, 0);
      progress.unitDone(
        `${t.policy} on ${t.entry.name}: ${r.bySeed.map((c) => c.capacity).join(' / ')} (${r.bySeed.map((c) => c.probes.length).join('+')} probes, ${r.wallS.toFixed(0)} s)`,
        String(k),
      );
    },
    // Another window of the trace starts from the policy's tuning-window capacity, if it is known by then.
    (t) => (t.entry.group === WorkloadGroup.MooncakeEvaluation && tuned.has(t.policy) ? { ...t, warmStart: tuned.get(t.policy)! } : t),
  );
  return writeEvaluation(
    { command: o.command, wallS: (performance.now() - t0) / 1000, jobs, seeds, policies, entries, capacities, probes },
    o.out,
    o.benchmarksFile,
  );
}

/** The capacities an evaluation measured: everything its tables are computed from (results.json holds them). */
export type EvaluationRun = Omit<EvaluationReport, 'groups'>;

/** Summarizes a run, writes EVALUATION.md and results.json to `out`, and splices the tables into benchmarksFile. */
export function writeEvaluation(run: EvaluationRun, out: string, benchmarksFile?: string): EvaluationReport {
  const present = GROUPS.filter((g) => run.entries.some((e) => e.group === g.group));
  const report: EvaluationReport = {
    ...run,
    groups: present.map((info) => ({ info, summary: summarizeGroup(info, run.entries, run.policies, run.capacities) })),
  };
  const md = evaluationMarkdown(report);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'EVALUATION.md'), `# Evaluation\n\n${md}`);
  writeFileSync(
    join(out, 'results.json'),
    JSON.stringify({ ...report, groups: report.groups.map((g) => ({ ...g.info, ...g.summary })) }, null, 2) + '\n',
  );
  if (benchmarksFile !== undefined && existsSync(benchmarksFile)) {
    const spliced = spliceBetweenMarkers(readFileSync(benchmarksFile, 'utf8'), md);
    if (spliced === null)
      process.stderr.write(`evaluate: ${benchmarksFile} has no evaluate markers; tables left in ${out}/EVALUATION.md\n`);
    else writeFileSync(benchmarksFile, spliced);
  }
  return report;
}

/** Recomputes the tables of a saved run (its results.json) without running anything again. */
export function rerenderEvaluation(resultsPath: string, out: string, benchmarksFile?: string): EvaluationReport {
  const saved = JSON.parse(readFileSync(resultsPath, 'utf8')) as EvaluationRun;
  const { command, wallS, jobs, seeds, policies, entries, capacities, probes } = saved;
  return writeEvaluation({ command, wallS, jobs, seeds, policies, entries, capacities, probes }, out, benchmarksFile);
}
