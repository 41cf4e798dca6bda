// Runs a scenario's arms (policy × layout) on worker threads, `jobs` at a time. Each arm is independent
// and seeded, so the figures are the same as in one thread; a worker rebuilds the scenario, its flags
// and its workload from plain data (functions and class instances do not cross threads).
import { Worker } from 'node:worker_threads';
import type { FlagSpec } from './flags.js';
import type { ArmOptions, ArmOutcome, ArmReporter } from '../run-scenario.js';

/** What a worker thread gets: ArmOptions with the scenario by name and the flags as their command line. */
export interface ArmWorkerData {
  readonly scenarioName: string;
  readonly flagArgs: readonly string[];
  readonly flagSpecs: readonly FlagSpec[];
  readonly options: Omit<ArmOptions, 'scenario' | 'flags'>;
  readonly policy: string;
  readonly layoutIndex: number;
}

/** Messages from a worker thread. */
export type ArmWorkerMessage =
  | { readonly type: 'progress'; readonly fraction: number; readonly label: string }
  | { readonly type: 'unit'; readonly summary: string }
  | { readonly type: 'warn'; readonly message: string }
  | { readonly type: 'done'; readonly outcome: ArmOutcome }
  | { readonly type: 'error'; readonly message: string };

const WORKER_URL = new URL('./arm-worker.js', import.meta.url);
/**
 * MB of young generation per worker: a simulation allocates a short-lived object or two per token, and
 * V8's default (16 MB semi-spaces) scavenges so often that 96 MB ran llmd-shared-prefix arms 20% faster
 * on the 2-core dev machine (two 2-stage arms: 13.5 s → 10.8 s; 192 MB: 11.0 s).
 */
const YOUNG_GENERATION_MB = 96;

function runInWorker(data: ArmWorkerData, report: ArmReporter): Promise<ArmOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    let outcome: ArmOutcome | undefined;
    let failure: Error | undefined;
    worker.on('message', (m: ArmWorkerMessage) => {
      if (m.type === 'progress') report.progress(m.fraction, m.label);
      else if (m.type === 'unit') report.unitDone(m.summary);
      else if (m.type === 'warn') report.warn(m.message);
      else if (m.type === 'done') outcome = m.outcome;
      else failure = new Error(`${data.policy}: ${m.message}`);
    });
    worker.on('error', (err) => {
      failure ??= err;
    });
    worker.on('exit', (code) => {
      if (failure !== undefined) reject(failure);
      else if (outcome !== undefined) resolve(outcome);
      else reject(new Error(`${data.policy}: worker thread exited with code ${code} and no result`));
    });
  });
}

/** Runs every arm, at most `jobs` at once; outcomes in the order of `arms`. */
export async function runArmsInWorkers(
  o: ArmOptions,
  arms: ReadonlyArray<{ readonly policy: string; readonly layoutIndex: number }>,
  jobs: number,
  reporter: (key: string) => ArmReporter,
): Promise<ArmOutcome[]> {
  const { scenario, flags, ...options } = o;
  const outcomes: ArmOutcome[] = new Array(arms.length);
  let next = 0;
  const lane = async () => {
    while (next < arms.length) {
      const i = next++;
      const { policy, layoutIndex } = arms[i]!;
      const data: ArmWorkerData = { scenarioName: scenario.name, flagArgs: flags.args, flagSpecs: flags.specs, options, policy, layoutIndex };
      outcomes[i] = await runInWorker(data, reporter(String(i)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, arms.length) }, lane));
  return outcomes;
}
