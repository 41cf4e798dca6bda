// Runs a scenario's arms (policy × layout) on worker threads, `jobs` at a time. Each arm is independent
// and seeded, so the figures are the same as in one thread; a worker rebuilds the scenario and its
// workload from plain data (functions and class instances do not cross threads; parsed flags are plain).
import type { ArmOptions, ArmOutcome, ArmReporter } from '../arm.js';
import { runWorkerTasks } from './worker-tasks.js';

/** What a worker thread gets: ArmOptions with the scenario by name. */
export interface ArmWorkerData {
  readonly scenarioName: string;
  readonly options: Omit<ArmOptions, 'scenario'>;
  readonly policy: string;
  readonly layoutIndex: number;
}

const WORKER_URL = new URL('./arm-worker.js', import.meta.url);

/** Runs every arm, at most `jobs` at once; outcomes in the order of `arms`. */
export function runArmsInWorkers(
  o: ArmOptions,
  arms: ReadonlyArray<{ readonly policy: string; readonly layoutIndex: number }>,
  jobs: number,
  reporter: (key: string) => ArmReporter,
): Promise<ArmOutcome[]> {
  const { scenario, ...options } = o;
  const tasks: ArmWorkerData[] = arms.map(({ policy, layoutIndex }) => ({ scenarioName: scenario.name, options, policy, layoutIndex }));
  return runWorkerTasks<ArmWorkerData, ArmOutcome>(
    WORKER_URL,
    tasks,
    jobs,
    (t) => t.policy,
    (i) => reporter(String(i)),
  );
}
