// Routing policies by name: `atc` is the default scheduler config (what the live scheduler runs); the
// rest are the scheduling core's reproductions of other routers (shared/scheduling BASELINE_CONFIGS).
import { BASELINE_CONFIGS, DEFAULT_SCHEDULER_CONFIG } from '../../shared/scheduling/index.js';

export const ATC_POLICY = 'atc';

/** Every policy, ours first. */
export const ALL_POLICIES: readonly string[] = [ATC_POLICY, ...Object.keys(BASELINE_CONFIGS)];

/** The YAML config of a policy; throws naming the known policies. */
export function policyConfig(name: string): string {
  if (name === ATC_POLICY) return DEFAULT_SCHEDULER_CONFIG;
  const cfg = (BASELINE_CONFIGS as Readonly<Record<string, string>>)[name];
  if (cfg === undefined) throw new Error(`unknown policy '${name}' (known: ${ALL_POLICIES.join(', ')})`);
  return cfg;
}

/** Parses a --policies list ("a,b"), checking each name. */
export function parsePolicies(list: string): string[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new Error('--policies needs at least one policy');
  for (const n of names) policyConfig(n);
  return names;
}
