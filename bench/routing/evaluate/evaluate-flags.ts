// Flags of `npm run bench -- evaluate`.
import { availableParallelism } from 'node:os';
import { option } from '../../../shared/config/index.js';
import { GROUPS, type MatrixEntry } from './matrix.js';

export const EVALUATE_FLAGS = {
  jobs: option.integer({
    flag: 'jobs',
    min: 1,
    default: availableParallelism(),
    defaultDoc: 'the CPU count',
    doc: 'capacity searches at once, one worker thread each',
  }),
  out: option.string({ flag: 'out', default: 'bench-out/evaluate', doc: 'output directory' }),
  benchmarks: option.string({ flag: 'benchmarks', default: 'BENCHMARKS.md', doc: 'file whose evaluate markers receive the tables' }),
  noSplice: option.boolean({ flag: 'no-splice', doc: 'leave BENCHMARKS.md alone' }),
  policies: option.list({ flag: 'policies', defaultDoc: 'atc, the faithful baselines, ideal', doc: 'a subset of the policies' }),
  seeds: option.list({ flag: 'seeds', item: 'integer', min: 1, defaultDoc: '1,2,3', doc: 'seeds' }),
  windows: option.list({
    flag: 'windows',
    item: 'integer',
    min: 0,
    doc: 'a subset of the Mooncake windows by index (0: the tuning window, 1-11: evaluation windows); other workloads are kept',
  }),
  cpuOffloadGb: option.number({
    flag: 'cpu-offload-gb',
    min: 0,
    default: 0,
    doc: "fleet layout: vLLM's native CPU KV offloading on every engine, GB per replica (every policy but ideal); 0: off",
  }),
  groups: option.list({ flag: 'groups', doc: `a subset of the workloads: ${GROUPS.map((g) => g.group).join(', ')}` }),
  from: option.string({
    flag: 'from',
    doc: "recompute the tables from a previous run's results.json instead of running (e.g. after a change to how they are summarized)",
  }),
  quiet: option.boolean({ flag: 'quiet', doc: 'no progress output' }),
};

/** Only the Mooncake windows of the given indices (entries named "Mooncake {5k}–{5k+5} min"). */
export function selectWindows(entries: readonly MatrixEntry[], windows: readonly number[]): MatrixEntry[] {
  const names = new Set(windows.map((k) => `Mooncake ${k * 5}–${k * 5 + 5} min`));
  return entries.filter((e) => e.scenario !== 'mooncake-conversation' || names.has(e.name));
}

/** Every entry run on a fleet with a CPU offload tier of `gb` GB per replica (no change for 0). */
export function withCpuOffload(entries: readonly MatrixEntry[], gb: number): MatrixEntry[] {
  return gb > 0 ? entries.map((e) => ({ ...e, args: [...e.args, '--cpu-offload-gb', String(gb)] })) : [...entries];
}

/** The matrix entries of the named groups; throws naming the known groups. */
export function selectGroups(entries: readonly MatrixEntry[], names: readonly string[]): MatrixEntry[] {
  const known = GROUPS.map((g) => g.group as string);
  for (const n of names) if (!known.includes(n)) throw new Error(`--groups: unknown workload '${n}' (known: ${known.join(', ')})`);
  if (names.length === 0) throw new Error('--groups needs at least one workload');
  return entries.filter((e) => names.includes(e.group));
}
