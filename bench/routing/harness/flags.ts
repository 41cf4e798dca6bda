// The flags of a routing scenario run: the common ones (common-flags.ts) and the scenario's own, parsed by
// the shared option module (shared/config), so an unknown flag or a bad value fails before any run.
import { parseOptions, type OptionSpecs, type Options } from '../../../shared/config/index.js';
import type { Scenario } from '../scenarios/scenario.js';
import { COMMON_FLAGS } from './common-flags.js';

export type CommonFlags = Options<typeof COMMON_FLAGS>;

/** The specs a scenario's command line is parsed against: the common flags, then its own. */
export function routingFlagSpecs<S extends OptionSpecs>(scenario: Scenario<S>): typeof COMMON_FLAGS & S {
  for (const key of Object.keys(scenario.flags)) {
    if (Object.hasOwn(COMMON_FLAGS, key)) throw new Error(`scenario ${scenario.name} declares the common flag ${key} again`);
  }
  return { ...COMMON_FLAGS, ...scenario.flags };
}

/** args: the command line after the scenario name (no environment: a matrix entry or a test is its own record). */
export function parseRoutingFlags<S extends OptionSpecs>(scenario: Scenario<S>, args: readonly string[]): CommonFlags & Options<S> {
  return parseOptions(routingFlagSpecs(scenario), args, {}, { command: `npm run bench -- ${scenario.name}` });
}
