// The contract of a benchmark scenario: its flags, and how it builds a workload for a load level.
import type { OptionSpecs, Options } from '../../../shared/config/index.js';
import type { FleetSpec, Slo, Stage, Workload } from '../harness/workload.js';

/** Parsed flag values as the harness passes them around: plain data, so they cross to worker threads. */
export type FlagValues = Options<OptionSpecs>;

export interface BuildOptions<F = FlagValues> {
  readonly seed: number;
  /** The scenario's flags, parsed (a superset is fine: the harness passes the common flags too). */
  readonly flags: F;
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

/** S: the scenario's own flags, declared with shared/config's `option`; its methods get their typed values. */
export interface Scenario<S extends OptionSpecs = OptionSpecs> {
  readonly name: string;
  readonly doc: string;
  readonly flags: S;
  readonly defaultPolicies: readonly string[];
  readonly capacity: CapacitySpec;
  /** Fleet layouts; one run per policy per layout. */
  layouts(flags: Options<S>, live: boolean): Layout[];
  build(options: BuildOptions<Options<S>>): BuiltScenario;
}

/** Declares a scenario with its flag values typed from its flag specs (it is a Scenario as it stands). */
export function defineScenario<S extends OptionSpecs>(scenario: Scenario<S>): Scenario<S> {
  return scenario;
}
