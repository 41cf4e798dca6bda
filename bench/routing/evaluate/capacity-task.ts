// One task of the evaluation: a policy's SLO capacity on one matrix entry, for each seed in turn. Seed 1
// searches from the entry's initial guess; later seeds start at the previous seed's capacity with small
// steps, since seeds move a capacity by a few percent (fewer probes for the same 2% resolution).
import { searchCapacity, type CapacityResult } from '../harness/capacity.js';
import { runProbe } from '../harness/capacity-probe.js';
import { parseRoutingFlags } from '../harness/flags.js';
import { routingScenario } from '../scenarios/index.js';
import type { MatrixEntry } from './matrix.js';

export interface CapacityTask {
  readonly entry: MatrixEntry;
  readonly policy: string;
  readonly seeds: readonly number[];
  /** Seed 1's first probe when a related search (the same policy on the tuning window) has one to offer. */
  readonly warmStart?: number;
}

export interface CapacityTaskResult {
  /** One per seed, in the task's seed order. */
  readonly bySeed: readonly CapacityResult[];
  /** Wall-clock s the task took. */
  readonly wallS: number;
}

/**
 * Step factors of the bracket search: seed 1 from the entry's guess, seed 1 from a related search's result
 * (another window of the same trace), later seeds from the previous seed's capacity. Steps grow as they
 * go (capacity.ts), so a guess that is off costs a few probes more, never the result.
 */
const FIRST_STEP = 1.25;
const HINTED_STEP = 1.08;
const NEXT_STEP = 1.02;

export function runCapacityTask(task: CapacityTask, onProbe: (label: string, fraction: number) => void = () => {}): CapacityTaskResult {
  const t0 = performance.now();
  const scenario = routingScenario(task.entry.scenario);
  const flags = parseRoutingFlags(scenario, task.entry.args);
  const layout = scenario.layouts(flags, false)[0]!;
  const sloTtftMs = scenario.build({ seed: 1, flags, load: task.entry.initial }).slo.ttftMs;
  const bySeed: CapacityResult[] = [];
  for (const seed of task.seeds) {
    const previous = bySeed[bySeed.length - 1];
    const hinted = previous === undefined && task.warmStart !== undefined && task.warmStart > 0;
    const start = previous !== undefined && previous.capacity > 0 ? previous.capacity : hinted ? task.warmStart : task.entry.initial;
    let probes = 0;
    bySeed.push(
      searchCapacity(
        (load) => {
          probes++;
          return runProbe(
            {
              scenario,
              flags,
              seed,
              policy: task.policy,
              layout,
              onProgress: (f) => onProbe(`${task.policy} on ${task.entry.name}, seed ${seed}, probe ${probes} at ${load}`, f),
            },
            load,
          );
        },
        {
          unit: scenario.capacity.unit,
          sloTtftMs,
          initial: start,
          min: scenario.capacity.min,
          max: scenario.capacity.max,
          stepFactor: previous !== undefined ? NEXT_STEP : hinted ? HINTED_STEP : FIRST_STEP,
          maxRuns: 24,
        },
      ),
    );
  }
  return { bySeed, wallS: (performance.now() - t0) / 1000 };
}
