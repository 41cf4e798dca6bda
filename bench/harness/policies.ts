// Routing policies by name: `atc` is the default scheduler config (what the live scheduler runs); the
// rest are the scheduling core's reproductions of other routers (shared/scheduling BASELINE_CONFIGS).
import { readFileSync } from 'node:fs';
import { BASELINE_CONFIGS, DEFAULT_SCHEDULER_CONFIG, loadSchedulerConfig } from '../../shared/scheduling/index.js';

export const ATC_POLICY = 'atc';

/** Every policy, ours first. */
export const ALL_POLICIES: readonly string[] = [ATC_POLICY, ...Object.keys(BASELINE_CONFIGS)];

/** Scheduler configs given on the command line (--configs name=FILE), by policy name. */
export type CustomConfigs = Readonly<Record<string, string>>;

/** The YAML config of a policy (a custom one first); throws naming the known policies. */
export function policyConfig(name: string, custom: CustomConfigs = {}): string {
  // Own properties only: 'toString' or 'constructor' are not policies.
  if (Object.hasOwn(custom, name)) return custom[name]!;
  if (name === ATC_POLICY) return DEFAULT_SCHEDULER_CONFIG;
  const cfg = Object.hasOwn(BASELINE_CONFIGS, name) ? (BASELINE_CONFIGS as Readonly<Record<string, string>>)[name] : undefined;
  if (cfg === undefined) throw new Error(`unknown policy '${name}' (known: ${[...ALL_POLICIES, ...Object.keys(custom)].join(', ')})`);
  return cfg;
}

/** Parses a --policies list ("a,b"), checking each name. */
export function parsePolicies(list: string, custom: CustomConfigs = {}): string[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new Error('--policies needs at least one policy');
  for (const n of names) policyConfig(n, custom);
  return names;
}

/**
 * Reads --configs "name=FILE,name=FILE": each file a scheduler config (the scheduler's --config format),
 * checked now so that an error names the file, the plugin and the field before any run starts.
 */
export function readCustomConfigs(list: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of list.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq).trim() : '';
    const path = eq > 0 ? entry.slice(eq + 1).trim() : '';
    if (!/^[A-Za-z0-9._-]+$/.test(name) || path === '') throw new Error(`--configs: '${entry}' is not name=FILE (name: letters, digits, . _ -)`);
    if (ALL_POLICIES.includes(name) || Object.hasOwn(out, name)) throw new Error(`--configs: the name '${name}' is taken; give the config its own name`);
    let text: string;
    try {
      text = read(path);
    } catch (err) {
      throw new Error(`--configs: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      loadSchedulerConfig(text);
    } catch (err) {
      throw new Error(`--configs: ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    out[name] = text;
  }
  if (Object.keys(out).length === 0) throw new Error('--configs needs at least one name=FILE');
  return out;
}
