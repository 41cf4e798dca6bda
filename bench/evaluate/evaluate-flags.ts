// Flags of `npm run bench -- evaluate`.
import { availableParallelism } from 'node:os';
import { FlagKind, type FlagSpec } from '../harness/flags.js';
import { GROUPS, type MatrixEntry } from './matrix.js';

export const EVALUATE_FLAGS: readonly FlagSpec[] = [
  { name: 'jobs', kind: FlagKind.Number, default: availableParallelism(), doc: 'capacity searches at once, one worker thread each (default: the CPU count)' },
  { name: 'out', kind: FlagKind.String, default: 'bench-out/evaluate', doc: 'output directory' },
  { name: 'benchmarks', kind: FlagKind.String, default: 'BENCHMARKS.md', doc: 'file whose evaluate markers receive the tables' },
  { name: 'no-splice', kind: FlagKind.Boolean, doc: 'leave BENCHMARKS.md alone' },
  { name: 'policies', kind: FlagKind.String, doc: 'a subset of the policies (default: atc, the faithful baselines, ideal)' },
  { name: 'seeds', kind: FlagKind.String, doc: 'comma-separated seeds (default 1,2,3)' },
  { name: 'groups', kind: FlagKind.String, doc: `a subset of the workloads: ${GROUPS.map((g) => g.group).join(', ')}` },
  { name: 'from', kind: FlagKind.String, doc: "recompute the tables from a previous run's results.json instead of running (e.g. after a change to how they are summarized)" },
  { name: 'quiet', kind: FlagKind.Boolean, doc: 'no progress output' },
];

/** The matrix entries of the named groups ("a,b"); throws naming the known groups. */
export function selectGroups(entries: readonly MatrixEntry[], list: string): MatrixEntry[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const known = GROUPS.map((g) => g.group as string);
  for (const n of names) if (!known.includes(n)) throw new Error(`--groups: unknown workload '${n}' (known: ${known.join(', ')})`);
  if (names.length === 0) throw new Error('--groups needs at least one workload');
  return entries.filter((e) => names.includes(e.group));
}
