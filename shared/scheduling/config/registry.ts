// Plugin type name -> factory. The config loader only builds types registered here.
import { healthFilterFactory } from '../plugins/filters/health-filter.js';
import { modelFilterFactory } from '../plugins/filters/model-filter.js';
import { roleFilterFactory } from '../plugins/filters/role-filter.js';
import { hotSpotGuardPickerFactory } from '../plugins/pickers/hot-spot-guard-picker.js';
import { maxScorePickerFactory } from '../plugins/pickers/max-score-picker.js';
import { randomPickerFactory } from '../plugins/pickers/random-picker.js';
import { roundRobinPickerFactory } from '../plugins/pickers/round-robin-picker.js';
import { softmaxPickerFactory } from '../plugins/pickers/softmax-picker.js';
import { ttftGuardPickerFactory } from '../plugins/pickers/ttft-guard-picker.js';
import { weightedRandomPickerFactory } from '../plugins/pickers/weighted-random-picker.js';
import { pdProfileHandlerFactory } from '../plugins/profile-handlers/pd-profile-handler.js';
import { approxPrefixScorerFactory } from '../plugins/scorers/approx-prefix-scorer.js';
import { inflightScorerFactory } from '../plugins/scorers/inflight-scorer.js';
import { kvCostScorerFactory } from '../plugins/scorers/kv-cost-scorer.js';
import { kvUtilizationScorerFactory } from '../plugins/scorers/kv-utilization-scorer.js';
import { precisePrefixScorerFactory } from '../plugins/scorers/precise-prefix-scorer.js';
import { predictedLatencyScorerFactory } from '../plugins/scorers/predicted-latency-scorer.js';
import { queueScorerFactory } from '../plugins/scorers/queue-scorer.js';
import { runningRequestsScorerFactory } from '../plugins/scorers/running-requests-scorer.js';
import { sessionAffinityScorerFactory } from '../plugins/scorers/session-affinity-scorer.js';
import { smgCacheAwareScorerFactory } from '../plugins/scorers/smg-cache-aware-scorer.js';
import { tokenLoadScorerFactory } from '../plugins/scorers/token-load-scorer.js';
import { prefixCacheAffinityFilterFactory } from '../plugins/filters/prefix-cache-affinity-filter.js';
import { sloAffinityFilterFactory } from '../plugins/filters/slo-affinity-filter.js';
import { ttftEstimateScorerFactory } from '../plugins/scorers/ttft-estimate-scorer.js';
import type { PluginFactory } from './plugin-factory.js';

export class PluginRegistry {
  private readonly factories = new Map<string, PluginFactory>();

  /** Throws on a duplicate type name. */
  register(factory: PluginFactory): this {
    if (this.factories.has(factory.type)) throw new Error(`plugin type "${factory.type}" is already registered`);
    this.factories.set(factory.type, factory);
    return this;
  }

  get(type: string): PluginFactory | undefined {
    return this.factories.get(type);
  }

  types(): string[] {
    return [...this.factories.keys()].sort();
  }
}

const BUILTIN_FACTORIES: readonly PluginFactory[] = [
  modelFilterFactory,
  roleFilterFactory,
  healthFilterFactory,
  prefixCacheAffinityFilterFactory,
  sloAffinityFilterFactory,
  queueScorerFactory,
  kvUtilizationScorerFactory,
  runningRequestsScorerFactory,
  inflightScorerFactory,
  sessionAffinityScorerFactory,
  precisePrefixScorerFactory,
  approxPrefixScorerFactory,
  predictedLatencyScorerFactory,
  kvCostScorerFactory,
  smgCacheAwareScorerFactory,
  tokenLoadScorerFactory,
  ttftEstimateScorerFactory,
  maxScorePickerFactory,
  weightedRandomPickerFactory,
  hotSpotGuardPickerFactory,
  roundRobinPickerFactory,
  randomPickerFactory,
  softmaxPickerFactory,
  ttftGuardPickerFactory,
  pdProfileHandlerFactory,
];

/** A fresh registry with every built-in plugin type. */
export function builtinPluginRegistry(): PluginRegistry {
  const registry = new PluginRegistry();
  for (const f of BUILTIN_FACTORIES) registry.register(f);
  return registry;
}
