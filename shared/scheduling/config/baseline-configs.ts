// Baseline policies, reproduced in our framework for benchmarks against the default. Decode only (no
// prefill profile), as the systems they reproduce route to aggregated workers.

const FILTERS = `
  - type: model-filter
  - type: health-filter
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
  LlmdApprox: 'llmd-approx',
  LlmdPrecise: 'llmd-precise',
  Dynamo: 'dynamo',
  Sglang: 'sglang',
} as const;
export type BaselinePolicy = (typeof BaselinePolicy)[keyof typeof BaselinePolicy];

function config(plugins: string, refs: string): string {
  return `plugins:${FILTERS}${plugins}\nschedulingProfiles:\n  - name: decode\n    plugins:${FILTER_REFS}${refs}\n`;
}

export const BASELINE_CONFIGS: Readonly<Record<BaselinePolicy, string>> = {
  // Uniform random choice among eligible workers (Dynamo's --router-mode random, SGLang's policy random).
  [BaselinePolicy.Random]: config(`\n  - type: random-picker`, `\n      - pluginRef: random-picker`),
  // Strict rotation (Dynamo's --router-mode round-robin, SGLang's round_robin, Kubernetes Services).
  [BaselinePolicy.RoundRobin]: config(`\n  - type: round-robin-picker`, `\n      - pluginRef: round-robin-picker`),
  // llm-d's load-aware baseline: queue-scorer + kv-cache-utilization-scorer, equal weights, max-score
  // (the "load-scheduling" config of llm-d's published shared-prefix benchmark, llm-d/llm-d
  // guides/precise-prefix-cache-aware/benchmark-results/README.md).
  [BaselinePolicy.LeastLoaded]: config(
    `\n  - type: queue-scorer\n  - type: kv-cache-utilization-scorer\n  - type: max-score-picker`,
    `\n      - pluginRef: queue-scorer\n        weight: 1\n      - pluginRef: kv-cache-utilization-scorer\n        weight: 1\n      - pluginRef: max-score-picker`,
  ),
  // llm-d default (approximate prefix): prefix-cache-scorer 3, queue-scorer 2, kv-cache-utilization 2,
  // max-score-picker (llm-d inference-scheduler deploy config; Red Hat OpenShift AI docs, "Configuring
  // scheduler settings": queue weight 2, prefix weight 3).
  [BaselinePolicy.LlmdApprox]: config(
    `\n  - type: approx-prefix-cache-scorer\n  - type: queue-scorer\n  - type: kv-cache-utilization-scorer\n  - type: max-score-picker`,
    `\n      - pluginRef: approx-prefix-cache-scorer\n        weight: 3\n      - pluginRef: queue-scorer\n        weight: 2\n      - pluginRef: kv-cache-utilization-scorer\n        weight: 2\n      - pluginRef: max-score-picker`,
  ),
  // llm-d precise prefix-cache aware routing (KV events): precise-prefix-cache-scorer 3, KV utilization 2,
  // queue 2, max-score-picker (llm-d well-lit path "precise prefix cache aware"; the same weights as the
  // "precise-scheduling" config of its published shared-prefix benchmark).
  [BaselinePolicy.LlmdPrecise]: config(
    `\n  - type: precise-prefix-cache-scorer\n  - type: queue-scorer\n  - type: kv-cache-utilization-scorer\n  - type: max-score-picker`,
    `\n      - pluginRef: precise-prefix-cache-scorer\n        weight: 3\n      - pluginRef: kv-cache-utilization-scorer\n        weight: 2\n      - pluginRef: queue-scorer\n        weight: 2\n      - pluginRef: max-score-picker`,
  ),
  // NVIDIA Dynamo KV router (docs/router/kv_cache_routing.md): cost = overlap_score_weight × prefill
  // blocks + decode blocks, lowest cost wins; --kv-overlap-score-weight 1 and --router-temperature 0 are
  // its defaults (temperature > 0 samples a softmax over normalised costs).
  [BaselinePolicy.Dynamo]: config(
    `\n  - type: kv-cost-scorer\n    parameters:\n      overlapScoreWeight: 1\n  - type: softmax-picker\n    parameters:\n      temperature: 0`,
    `\n      - pluginRef: kv-cost-scorer\n        weight: 1\n      - pluginRef: softmax-picker`,
  ),
  // SGLang router cache_aware policy (sgl-project/sglang router; launch_router defaults cache_threshold
  // 0.5, balance_abs_threshold 32, balance_rel_threshold 1.0001).
  [BaselinePolicy.Sglang]: config(
    `\n  - type: sglang-cache-aware-scorer\n    parameters:\n      cacheThreshold: 0.5\n      balanceAbsThreshold: 32\n      balanceRelThreshold: 1.0001\n  - type: max-score-picker`,
    `\n      - pluginRef: sglang-cache-aware-scorer\n        weight: 1\n      - pluginRef: max-score-picker`,
  ),
};
