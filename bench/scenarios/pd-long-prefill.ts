// Long prompts, short answers, rising load: aggregated serving against prefill/decode disaggregation at
// the same GPU count. Prompts of 8,000–20,000 unique tokens (nothing shared, so every prompt is above the
// default config's 2,048-token split threshold), 50–200 output tokens, Poisson ladder. Layouts: 4
// decode replicas (aggregated), 1 prefill + 3 decode, 2 prefill + 2 decode. The split is the scheduling
// core's decision (pd-profile-handler in the policy's config); only `atc` has a prefill profile, so a
// baseline on a disaggregated layout simply never uses its prefill replicas.
import { seededRandom } from '../../shared/scheduling/index.js';
import { ladderStages, poissonArrivals } from '../harness/arrivals.js';
import { FlagKind } from '../harness/flags.js';
import { ATC_POLICY } from '../harness/policies.js';
import { mixSeed, seededTokens } from '../harness/token-ids.js';
import { replicas, type PlannedRequest } from '../harness/workload.js';
import type { BuildOptions, BuiltScenario, Layout, Scenario } from './scenario.js';

export const pdLongPrefill: Scenario = {
  name: 'pd-long-prefill',
  doc: 'prompts of 8k–20k tokens, 50–200 output tokens, rising load; aggregated 4 replicas vs 1P+3D vs 2P+2D (llama-3-8b-h100)',
  flags: [
    { name: 'rates', kind: FlagKind.String, default: '1,2,3,4,6', doc: 'ladder of offered loads, requests/s' },
    { name: 'stage-s', kind: FlagKind.Number, default: 30, doc: 'seconds per ladder stage' },
    { name: 'min-prompt', kind: FlagKind.Number, default: 8000, doc: 'shortest prompt, tokens' },
    { name: 'max-prompt', kind: FlagKind.Number, default: 20000, doc: 'longest prompt, tokens' },
    { name: 'min-output', kind: FlagKind.Number, default: 50, doc: 'shortest answer, tokens' },
    { name: 'max-output', kind: FlagKind.Number, default: 200, doc: 'longest answer, tokens' },
    { name: 'gpus', kind: FlagKind.Number, default: 4, doc: 'replicas in every layout (equal GPU count)' },
    { name: 'profile', kind: FlagKind.String, default: 'llama-3-8b-h100', doc: 'SimEngine profile' },
    { name: 'capacity-s', kind: FlagKind.Number, default: 60, doc: 'seconds of constant load per capacity probe' },
  ],
  defaultPolicies: [ATC_POLICY],
  capacity: { unit: 'qps', initial: 4, min: 0.25, max: 100 },
  layouts(flags, live): Layout[] {
    const profile = live ? 'llama-3-8b-h100' : flags.string('profile');
    const n = live ? 2 : flags.count('gpus');
    const out: Layout[] = [{ name: `aggregated ${n}`, fleet: { profile, replicas: replicas(n, 'decode') } }];
    for (let p = 1; p <= Math.floor(n / 2); p++) {
      out.push({ name: `${p}P+${n - p}D`, fleet: { profile, replicas: [...replicas(p, 'prefill'), ...replicas(n - p, 'decode')] } });
    }
    return out;
  },
  build(o: BuildOptions): BuiltScenario {
    const f = o.flags;
    const [minP, maxP] = o.live ? [3000, 6000] : [f.count('min-prompt'), f.count('max-prompt')];
    const [minO, maxO] = o.live ? [16, 48] : [f.count('min-output'), f.count('max-output')];
    if (maxP < minP || maxO < minO) throw new Error('--max-prompt/--max-output must not be below --min-prompt/--min-output');
    const random = seededRandom(mixSeed(o.seed, 0x9d));
    const stages = o.load !== undefined
      ? ladderStages([o.load], f.positive('capacity-s'))
      : o.live ? ladderStages([0.5, 1], 15) : ladderStages(f.numbers('rates'), f.positive('stage-s'));
    const requests: PlannedRequest[] = [];
    stages.forEach((stage, si) => {
      for (const t of poissonArrivals(random, stage.offeredLoad, stage.startMs, stage.endMs)) {
        const i = requests.length;
        const len = minP + Math.floor(random() * (maxP - minP + 1));
        const out = minO + Math.floor(random() * (maxO - minO + 1));
        requests.push({ id: `p${i}`, arrivalMs: t, prompt: () => seededTokens(mixSeed(o.seed + 17, i), len), maxTokens: out, stage: si });
      }
    });
    return {
      description: `${requests.length} requests, prompts ${minP}–${maxP} tokens, answers ${minO}–${maxO}; stages ${stages.map((s) => s.label).join(', ')}`,
      workload: { requests },
      stages,
      slo: { ttftMs: 2000, itlMs: 50 },
    };
  },
};
