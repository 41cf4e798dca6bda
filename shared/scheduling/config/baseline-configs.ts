// Baseline policies: other routers' current defaults, reproduced in our framework for benchmarks against
// ours. Each names the upstream repository, release and file it follows; the golden tests
// (test/unit/scheduling/baseline-golden.test.ts) check each against the upstream formula. Decode only (no
// prefill profile), as the systems they reproduce route to aggregated workers.
//
// Filters: model, health and decode role. Upstream routers take a worker out when its health checks fail,
// not when a metrics report is late, so the health filter here only drops a worker silent for a minute.

const FILTERS = `
  - type: model-filter
  - type: health-filter
    parameters:
      maxLoadAgeMs: 60000
  - type: role-filter
    parameters:
      role: decode`;
const FILTER_REFS = `
      - pluginRef: model-filter
      - pluginRef: health-filter
      - pluginRef: role-filter`;

export const BaselinePolicy = {
  Random: 'random',
  RoundRobin: 'round-robin',
  LeastLoaded: 'least-loaded',
  Llmd: 'llmd',
  LlmdPrecise: 'llmd-precise',
  LlmdApprox: 'llmd-approx',
  Dynamo: 'dynamo',
  Sglang: 'sglang',
} as const;
export type BaselinePolicy = (typeof BaselinePolicy)[keyof typeof BaselinePolicy];

/** The upstream release each baseline follows (also shown in BENCHMARKS.md). */
export const BASELINE_SOURCES: Readonly<Record<BaselinePolicy, string>> = {
  random: 'uniform random choice (Dynamo --router-mode random, smg --policy random)',
  'round-robin': 'strict rotation (Dynamo --router-mode round-robin, smg --policy round_robin, Kubernetes Services)',
  'least-loaded':
    'llm-d\'s load-aware config: queue-scorer + kv-cache-utilization-scorer, equal weights (llm-d/llm-d guides/precise-prefix-cache-aware/benchmark-results, "load-scheduling")',
  llmd: 'llm-d-router v0.10, the optimized-baseline guide ("sticky until saturated"): llm-d/llm-d guides/optimized-baseline/router/optimized-baseline.values.yaml',
  'llmd-precise':
    'llm-d-router v0.10, the precise-prefix-cache-routing guide: llm-d/llm-d guides/precise-prefix-cache-routing/router/precise-prefix-cache-routing.values.yaml',
  'llmd-approx':
    'llm-d-router v0.10 chart default (routerlib default-plugins.yaml) = the inference-scheduling guide: prefix-cache-scorer 3, queue-scorer 2, kv-cache-utilization-scorer 2',
  dynamo:
    'NVIDIA Dynamo v1.7 KV router defaults (ai-dynamo/dynamo lib/kv-router/src/scheduling/selector/default.rs): prefill_load_scale 1, overlap credit 1, temperature 0, ties at random, router queue off',
  sglang:
    'smg 1.13 cache_aware with `smg launch` defaults (smg-project/smg model_gateway/src/policies/cache_aware.rs, least_load.rs; main.rs): cache_threshold 0.3, spill 64 / 1.5, max_tree_size 2^26',
};

/** Values that depend on the engines a baseline is deployed on, which upstream asks operators to calibrate. */
export interface BaselineCalibration {
  /**
   * llm-d's prefix-cache-affinity-filter peakPrefillThroughput, tokens/s: "CHUNK_SIZE / median(TTFT)" of
   * a chunk-sized prompt on an idle engine (llm-d/llm-d guides/recipes/router/calibration). Upstream's
   * published value is for Qwen3-32B on 2×H100 TP2 with vLLM: 15,928 (optimized-baseline), 15,926
   * (precise guide).
   */
  readonly peakPrefillThroughput?: number;
}

function config(plugins: string, refs: string): string {
  return `plugins:${FILTERS}${plugins}\nschedulingProfiles:\n  - name: decode\n    plugins:${FILTER_REFS}${refs}\n`;
}

/** The baseline's scheduler config (YAML, headed by a comment naming what it reproduces), calibrated when given. */
export function baselineConfig(policy: BaselinePolicy, calibration: BaselineCalibration = {}): string {
  return `# ${policy}: ${BASELINE_SOURCES[policy]}\n${baselineBody(policy, calibration)}`;
}

function baselineBody(policy: BaselinePolicy, calibration: BaselineCalibration): string {
  switch (policy) {
    case BaselinePolicy.Random:
      return config(`\n  - type: random-picker`, `\n      - pluginRef: random-picker`);
    case BaselinePolicy.RoundRobin:
      return config(`\n  - type: round-robin-picker`, `\n      - pluginRef: round-robin-picker`);
    case BaselinePolicy.LeastLoaded:
      return config(
        `\n  - type: queue-scorer\n  - type: kv-cache-utilization-scorer\n  - type: max-score-picker\n    parameters:\n      tieBreak: rotate`,
        `\n      - pluginRef: queue-scorer\n        weight: 1\n      - pluginRef: kv-cache-utilization-scorer\n        weight: 1\n      - pluginRef: max-score-picker`,
      );
    case BaselinePolicy.Llmd:
      // prefix-cache-affinity-filter on the approx-prefix-cache-producer (its defaults: 64-token blocks,
      // up to maxPrefixTokensToMatch, which the guide sets to vLLM's --max-model-len, 40,960 there; here
      // the default 131,072, above our engines' prompts), then token-load-scorer; max-score-picker rotates ties.
      return config(
        `\n  - type: prefix-cache-affinity-filter\n    parameters:\n      affinityThreshold: 0.8\n      maxTTFTPenaltyMs: 18000\n      peakPrefillThroughput: ${calibration.peakPrefillThroughput ?? 15928}\n      prefixSource: approximate` +
          `\n  - type: token-load-scorer\n  - type: max-score-picker\n    parameters:\n      tieBreak: rotate`,
        `\n      - pluginRef: prefix-cache-affinity-filter\n      - pluginRef: token-load-scorer\n        weight: 1\n      - pluginRef: max-score-picker`,
      );
    case BaselinePolicy.LlmdPrecise:
      // The same shape on the precise-prefix-cache-producer: KV events, blockSizeTokens 64,
      // speculativeIndexing true (speculativeTTL 2 s). KV events with medium CPU (vLLM's OffloadingConnector)
      // count at 0.8 of a GPU block (llm-d kv-cache-manager's medium weights, GPU 1.0 / CPU 0.8, as the
      // tiered-prefix-cache guide runs it); without a CPU tier on the engines nothing changes.
      return config(
        `\n  - type: prefix-cache-affinity-filter\n    parameters:\n      affinityThreshold: 0.8\n      maxTTFTPenaltyMs: 18000\n      peakPrefillThroughput: ${calibration.peakPrefillThroughput ?? 15926}\n      prefixSource: precise\n      blockSizeTokens: 64\n      speculativeTtlMs: 2000\n      hostCacheHitWeight: 0.8` +
          `\n  - type: token-load-scorer\n  - type: max-score-picker\n    parameters:\n      tieBreak: rotate`,
        `\n      - pluginRef: prefix-cache-affinity-filter\n      - pluginRef: token-load-scorer\n        weight: 1\n      - pluginRef: max-score-picker`,
      );
    case BaselinePolicy.LlmdApprox:
      return config(
        `\n  - type: approx-prefix-cache-scorer\n  - type: queue-scorer\n  - type: kv-cache-utilization-scorer\n  - type: max-score-picker\n    parameters:\n      tieBreak: rotate`,
        `\n      - pluginRef: approx-prefix-cache-scorer\n        weight: 3\n      - pluginRef: queue-scorer\n        weight: 2\n      - pluginRef: kv-cache-utilization-scorer\n        weight: 2\n      - pluginRef: max-score-picker`,
      );
    case BaselinePolicy.Dynamo:
      // cost = prefill_load_scale × max(0, (active prefill tokens + prompt) / block − overlap blocks)
      //      + active decode blocks + the prompt's blocks not already active; lowest wins, ties at random.
      // Host-pinned (CPU offload) overlap is credited at --router-host-cache-hit-weight, default 0.75
      // (Dynamo router configuration-and-tuning docs); without a CPU tier on the engines nothing changes.
      return config(
        `\n  - type: kv-cost-scorer\n    parameters:\n      overlapScoreWeight: 1\n      hostCacheHitWeight: 0.75\n  - type: softmax-picker\n    parameters:\n      temperature: 0`,
        `\n      - pluginRef: kv-cost-scorer\n        weight: 1\n      - pluginRef: softmax-picker`,
      );
    case BaselinePolicy.Sglang:
      return config(
        `\n  - type: smg-cache-aware-scorer\n    parameters:\n      cacheThreshold: 0.3\n      balanceAbsThreshold: 64\n      balanceRelThreshold: 1.5\n      maxTreeSize: 67108864\n  - type: max-score-picker`,
        `\n      - pluginRef: smg-cache-aware-scorer\n        weight: 1\n      - pluginRef: max-score-picker`,
      );
  }
}

/** Every baseline's config with upstream's published values (what `--policy NAME` serves with). */
export const BASELINE_CONFIGS: Readonly<Record<BaselinePolicy, string>> = Object.fromEntries(
  Object.values(BaselinePolicy).map((p) => [p, baselineConfig(p)]),
) as Record<BaselinePolicy, string>;
