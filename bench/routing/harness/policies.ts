// Routing policies by name: `atc` is the default scheduler config (what the live scheduler runs); the
// baselines are the scheduling core's reproductions of other routers (shared/scheduling BASELINE_CONFIGS);
// `ideal` is the harness's reference ceiling (ideal-policy.ts), not a scheduler config.
import { readFileSync } from 'node:fs';
import {
  BaselinePolicy,
  baselineConfig,
  DEFAULT_SCHEDULER_CONFIG,
  loadSchedulerConfig,
  type BaselineCalibration,
} from '../../../shared/scheduling/index.js';
import { IDEAL_POLICY } from './ideal-policy.js';

export const ATC_POLICY = 'atc';
export { IDEAL_POLICY };

/**
 * atc with cache-holder prefill on / off (pd-profile-handler's cacheHolderPrefill), whatever the default
 * config says: the A/B of issue 13 on one fleet of kv_both engines. Not in the evaluation matrix.
 */
export const ATC_HOLDER_POLICY = 'atc-holder';
export const ATC_NO_HOLDER_POLICY = 'atc-noholder';

/** The default config with cacheHolderPrefill set; throws if the config no longer has that line. */
export function atcWithCacheHolderPrefill(on: boolean, config: string = DEFAULT_SCHEDULER_CONFIG): string {
  const line = /^(\s*cacheHolderPrefill:\s*)(true|false)\s*$/m;
  if (!line.test(config)) throw new Error('the default scheduler config has no cacheHolderPrefill line');
  return config.replace(line, `$1${on}`);
}

/** The faithful reproductions of other routers that atc is ranked against. */
export const FAITHFUL_BASELINES: readonly string[] = [
  BaselinePolicy.Llmd,
  BaselinePolicy.LlmdPrecise,
  BaselinePolicy.LlmdApprox,
  BaselinePolicy.Dynamo,
  BaselinePolicy.Sglang,
];

/** Every policy, ours first and the ceiling last. */
export const ALL_POLICIES: readonly string[] = [ATC_POLICY, ...Object.values(BaselinePolicy), IDEAL_POLICY];

/** Scheduler configs given on the command line (--configs name=FILE), by policy name. */
export type CustomConfigs = Readonly<Record<string, string>>;

const isBaseline = (name: string): name is BaselinePolicy => (Object.values(BaselinePolicy) as string[]).includes(name);

/**
 * The YAML config of a policy (a custom one first), with engine-specific baseline values calibrated when
 * given; throws naming the known policies. `ideal` has no config (the harness routes it itself).
 */
export function policyConfig(name: string, custom: CustomConfigs = {}, calibration: BaselineCalibration = {}): string {
  // Own properties only: 'toString' or 'constructor' are not policies.
  if (Object.hasOwn(custom, name)) return custom[name]!;
  if (name === ATC_POLICY) return DEFAULT_SCHEDULER_CONFIG;
  if (name === ATC_HOLDER_POLICY || name === ATC_NO_HOLDER_POLICY) return atcWithCacheHolderPrefill(name === ATC_HOLDER_POLICY);
  if (isBaseline(name)) return baselineConfig(name, calibration);
  if (name === IDEAL_POLICY) throw new Error(`'${IDEAL_POLICY}' is the harness's reference ceiling, not a scheduler config`);
  throw new Error(
    `unknown policy '${name}' (known: ${[...ALL_POLICIES, ATC_HOLDER_POLICY, ATC_NO_HOLDER_POLICY, ...Object.keys(custom)].join(', ')})`,
  );
}

/**
 * ms between the fresh engine metrics a policy's router sees, where its upstream says: llm-d's endpoint
 * picker scrapes every 50 ms (--refresh-metrics-interval default, llm-d/llm-d-router pkg/epp/server/
 * options.go), smg polls worker loads every 10 s (--load-monitor-interval). Others read our workers'
 * load reports (--load-report-ms); Dynamo's cost uses only its own bookkeeping.
 */
export function metricsRefreshMs(policy: string, loadReportMs: number): number {
  switch (policy) {
    case BaselinePolicy.Llmd:
    case BaselinePolicy.LlmdPrecise:
    case BaselinePolicy.LlmdApprox:
    case BaselinePolicy.LeastLoaded:
      return 50;
    case BaselinePolicy.Sglang:
      return 10_000;
    default:
      return loadReportMs;
  }
}

/** Checks each name of a --policies list (the option module split it at commas). */
export function parsePolicies(names: readonly string[], custom: CustomConfigs = {}): string[] {
  if (names.length === 0) throw new Error('--policies needs at least one policy');
  for (const n of names) if (n !== IDEAL_POLICY) policyConfig(n, custom);
  return [...names];
}

/**
 * Reads --configs entries "name=FILE": each file a scheduler config (the scheduler's --config format),
 * checked now so that an error names the file, the plugin and the field before any run starts.
 */
export function readCustomConfigs(
  entries: readonly string[],
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq).trim() : '';
    const path = eq > 0 ? entry.slice(eq + 1).trim() : '';
    if (!/^[A-Za-z0-9._-]+$/.test(name) || path === '')
      throw new Error(`--configs: '${entry}' is not name=FILE (name: letters, digits, . _ -)`);
    if (ALL_POLICIES.includes(name) || Object.hasOwn(out, name))
      throw new Error(`--configs: the name '${name}' is taken; give the config its own name`);
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
