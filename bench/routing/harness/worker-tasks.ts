// Runs independent benchmark tasks on worker threads, `jobs` at a time, each task in a fresh thread (a
// simulation's heap is dropped with its thread). A task's module posts TaskMessages; its result arrives
// as 'done'. Results keep the order of the tasks.
import { Worker } from 'node:worker_threads';

/** Messages from a task's worker thread. */
export type TaskMessage<R> =
  | { readonly type: 'progress'; readonly fraction: number; readonly label: string }
  | { readonly type: 'unit'; readonly summary: string }
  | { readonly type: 'warn'; readonly message: string }
  | { readonly type: 'done'; readonly result: R }
  | { readonly type: 'error'; readonly message: string };

export interface TaskReporter {
  progress(fraction: number, label: string): void;
  unitDone(summary: string): void;
  warn(message: string): void;
}

/**
 * MB of young generation per worker: a simulation allocates a short-lived object or two per token, and
 * V8's default (16 MB semi-spaces) scavenges so often that 96 MB ran llmd-shared-prefix arms 20% faster
 * on the 2-core dev machine (two 2-stage arms: 13.5 s → 10.8 s; 192 MB: 11.0 s).
 */
const YOUNG_GENERATION_MB = 96;

function runOne<D, R>(url: URL, data: D, label: string, report: TaskReporter): Promise<R> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    let result: { value: R } | undefined;
    let failure: Error | undefined;
    worker.on('message', (m: TaskMessage<R>) => {
      if (m.type === 'progress') report.progress(m.fraction, m.label);
      else if (m.type === 'unit') report.unitDone(m.summary);
      else if (m.type === 'warn') report.warn(m.message);
      else if (m.type === 'done') result = { value: m.result };
      else failure = new Error(`${label}: ${m.message}`);
    });
    worker.on('error', (err) => {
      failure ??= err;
    });
    worker.on('exit', (code) => {
      if (failure !== undefined) reject(failure);
      else if (result !== undefined) resolve(result.value);
      else reject(new Error(`${label}: worker thread exited with code ${code} and no result`));
    });
  });
}

/** Runs every task, at most `jobs` at once; results in the order of `tasks`. */
export async function runWorkerTasks<D, R>(
  url: URL,
  tasks: readonly D[],
  jobs: number,
  label: (task: D, index: number) => string,
  reporter: (index: number) => TaskReporter,
  onResult: (index: number, result: R) => void = () => {},
  /** Called as a task starts, to complete its data from the results so far (a warm start). */
  prepare: (task: D, index: number) => D = (task) => task,
): Promise<R[]> {
  const results = new Array<R>(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await runOne<D, R>(url, prepare(tasks[i]!, i), label(tasks[i]!, i), reporter(i));
      onResult(i, results[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, tasks.length)) }, lane));
  return results;
}
