// Long prompts, short answers, rising load: aggregated serving against prefill/decode disaggregation at
// the same GPU count. Prompts of 8,000–20,000 unique tokens (nothing shared, so every prompt is above the
// default config's 2,048-token split threshold), 50–200 output tokens, Poisson ladder. Layouts: 4
// decode replicas (aggregated), 1 prefill + 3 decode, 2 prefill + 2 decode. The split is the scheduling
// core's decision (pd-profile-handler in the policy's config); only `atc` has a prefill profile, so a
// baseline on a disaggregated layout simply never uses its prefill replicas.
import { seededRandom } from '../../../shared/scheduling/index.js';
import { ladderStages, poissonArrivals } from '../harness/arrivals.js';
import { option } from '../../../shared/config/index.js';
import { ATC_POLICY } from '../harness/policies.js';
import { mixSeed, seededTokens } from '../harness/token-ids.js';
import { replicas, type PlannedRequest } from '../harness/workload.js';
import { defineScenario, type BuiltScenario, type Layout } from './scenario.js';
import { POSITIVE, profileFlag } from './scenario-flags.js';

export const pdLongPrefill = defineScenario({
  name: 'pd-long-prefill',
  doc: 'prompts of 8k–20k tokens, 50–200 output tokens, rising load; aggregated 4 replicas vs 1P+3D vs 2P+2D (llama-3-8b-h100)',
  flags: {
    rates: option.list({
      flag: 'rates',
      item: 'number',
      ...POSITIVE,
      default: [1, 2, 3, 4, 6],
      doc: 'ladder of offered loads, requests/s',
    }),
    stageS: option.number({ flag: 'stage-s', ...POSITIVE, default: 30, doc: 'seconds per ladder stage' }),
    minPrompt: option.integer({ flag: 'min-prompt', min: 1, default: 8000, doc: 'shortest prompt, tokens' }),
    maxPrompt: option.integer({ flag: 'max-prompt', min: 1, default: 20000, doc: 'longest prompt, tokens' }),
    minOutput: option.integer({ flag: 'min-output', min: 1, default: 50, doc: 'shortest answer, tokens' }),
    maxOutput: option.integer({ flag: 'max-output', min: 1, default: 200, doc: 'longest answer, tokens' }),
    gpus: option.integer({ flag: 'gpus', min: 1, default: 4, doc: 'replicas in every layout (equal GPU count)' }),
    profile: profileFlag('llama-3-8b-h100'),
    capacityS: option.number({ flag: 'capacity-s', ...POSITIVE, default: 60, doc: 'seconds of constant load per capacity probe' }),
  },
  defaultPolicies: [ATC_POLICY],
  capacity: { unit: 'qps', initial: 4, min: 0.25, max: 100 },
  layouts(flags, live): Layout[] {
    const profile = live ? 'llama-3-8b-h100' : flags.profile;
    const n = live ? 2 : flags.gpus;
    const out: Layout[] = [{ name: `aggregated ${n}`, fleet: { profile, replicas: replicas(n, 'decode') } }];
    for (let p = 1; p <= Math.floor(n / 2); p++) {
      out.push({ name: `${p}P+${n - p}D`, fleet: { profile, replicas: [...replicas(p, 'prefill'), ...replicas(n - p, 'decode')] } });
    }
    return out;
  },
  build(o): BuiltScenario {
    const f = o.flags;
    const [minP, maxP] = o.live ? [3000, 6000] : [f.minPrompt, f.maxPrompt];
    const [minO, maxO] = o.live ? [16, 48] : [f.minOutput, f.maxOutput];
    if (maxP < minP || maxO < minO) throw new Error('--max-prompt/--max-output must not be below --min-prompt/--min-output');
    const random = seededRandom(mixSeed(o.seed, 0x9d));
    const stages =
      o.load !== undefined ? ladderStages([o.load], f.capacityS) : o.live ? ladderStages([0.5, 1], 15) : ladderStages(f.rates, f.stageS);
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
});
