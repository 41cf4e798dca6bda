// The contract of a benchmark scenario: its flags, and how it builds a workload for a load level.
import type { FlagSpec, Flags } from '../harness/flags.js';
import type { FleetSpec, Slo, Stage, Workload } from '../harness/workload.js';

export interface BuildOptions {
  readonly seed: number;
  readonly flags: Flags;
  /**
   * A capacity probe's load (the scenario's capacity unit): a constant load instead of the default shape
   * (ladder, recorded speed-up). Absent for the ordinary run.
   */
  readonly load?: number;
  /** The scaled-down variant for --live (few requests, 2 decode workers, a minute at most). */
  readonly live?: boolean;
}

export interface BuiltScenario {
  readonly description: string;
  readonly workload: Workload;
  readonly stages?: readonly Stage[];
  readonly slo: Slo;
}

/** A fleet layout a scenario compares (pd-long-prefill: aggregated vs disaggregated). */
export interface Layout {
  readonly name: string;
  readonly fleet: FleetSpec;
}

export interface CapacitySpec {
  /** What the search varies: 'qps', 'sessions/s', 'speedup'. */
  readonly unit: string;
  /** First probe. */
  readonly initial: number;
  readonly min: number;
  readonly max: number;
}

export interface Scenario {
  readonly name: string;
  readonly doc: string;
  readonly flags: readonly FlagSpec[];
  readonly defaultPolicies: readonly string[];
  readonly capacity: CapacitySpec;
  /** Fleet layouts; one run per policy per layout. */
  layouts(flags: Flags, live: boolean): Layout[];
  build(options: BuildOptions): BuiltScenario;
}
