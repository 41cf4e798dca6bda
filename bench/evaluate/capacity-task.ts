// One task of the evaluation: a policy's SLO capacity on one matrix entry, for each seed in turn. Seed 1
// searches from the entry's initial guess; later seeds start at the previous seed's capacity with small
// steps, since seeds move a capacity by a few percent (fewer probes for the same 2% resolution).
import { COMMON_FLAGS } from '../harness/common-flags.js';
import { searchCapacity, type CapacityResult } from '../harness/capacity.js';
import { runProbe } from '../harness/capacity-probe.js';
import { Flags } from '../harness/flags.js';
import { routingScenario } from '../scenarios/index.js';
import type { MatrixEntry } from './matrix.js';

export interface CapacityTask {
  readonly entry: MatrixEntry;
  readonly policy: string;
  readonly seeds: readonly number[];
}

export interface CapacityTaskResult {
  /** One per seed, in the task's seed order. */
  readonly bySeed: readonly CapacityResult[];
  /** Wall-clock s the task took. */
  readonly wallS: number;
}

/** Step factor of seed 1's bracket search, and of later seeds' (started at the previous capacity). */
const FIRST_STEP = 1.25;
const NEXT_STEP = 1.02;

export function runCapacityTask(task: CapacityTask, onProbe: (label: string, fraction: number) => void = () => {}): CapacityTaskResult {
  const t0 = performance.now();
  const scenario = routingScenario(task.entry.scenario);
  const flags = new Flags(task.entry.args, [...COMMON_FLAGS, ...scenario.flags]);
  const layout = scenario.layouts(flags, false)[0]!;
  const sloTtftMs = scenario.build({ seed: 1, flags, load: task.entry.initial }).slo.ttftMs;
  const bySeed: CapacityResult[] = [];
  for (const seed of task.seeds) {
    const previous = bySeed[bySeed.length - 1];
    const start = previous !== undefined && previous.capacity > 0 ? previous.capacity : task.entry.initial;
    let probes = 0;
    bySeed.push(
      searchCapacity(
        (load) => {
          probes++;
          return runProbe({ scenario, flags, seed, policy: task.policy, layout, onProgress: (f) => onProbe(`${task.policy} on ${task.entry.name}, seed ${seed}, probe ${probes} at ${load}`, f) }, load);
        },
        {
          unit: scenario.capacity.unit,
          sloTtftMs,
          initial: start,
          min: scenario.capacity.min,
          max: scenario.capacity.max,
          stepFactor: previous !== undefined ? NEXT_STEP : FIRST_STEP,
          maxRuns: 24,
        },
      ),
    );
  }
  return { bySeed, wallS: (performance.now() - t0) / 1000 };
}
