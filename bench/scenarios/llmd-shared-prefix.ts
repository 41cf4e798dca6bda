// llm-d's published precise-prefix-cache benchmark ("KV-Cache Wins You Can See", llm-d blog, 2025):
// inference-perf `shared_prefix` data, 150 groups × 5 prompts, a 6,000-token system prompt per group and
// a 1,200-token question, 1,000 output tokens (ignore_eos), Poisson arrivals on a ladder 3 → 60 QPS after
// a warm-up at 15 QPS, 8 replicas of Qwen3-32B on 2×H100 (TP2, 307,328 KV tokens each). Each request
// takes one of the 750 prompts uniformly at random, as inference-perf's shared_prefix generator does.
import { seededRandom } from '../../shared/scheduling/index.js';
import { ladderStages, poissonArrivals } from '../harness/arrivals.js';
import { FlagKind } from '../harness/flags.js';
import { mixSeed, seededTokens } from '../harness/token-ids.js';
import { replicas, type PlannedRequest } from '../harness/workload.js';
import { ALL_POLICIES } from '../harness/policies.js';
import type { BuildOptions, BuiltScenario, Scenario } from './scenario.js';

export const llmdSharedPrefix: Scenario = {
  name: 'llmd-shared-prefix',
  doc: "llm-d's shared-prefix benchmark: 150 groups × 5 prompts (6,000-token system prompt + 1,200-token question, 1,000 output tokens), Poisson ladder 3→60 QPS after a 15 QPS warm-up, 8 × qwen3-32b-2xh100",
  flags: [
    { name: 'rates', kind: FlagKind.String, default: '3,10,15,20,30,40,50,60', doc: 'ladder of offered loads, requests/s' },
    { name: 'stage-s', kind: FlagKind.Number, default: 15, doc: 'seconds per ladder stage (15 s keeps all 8 policies under 5 minutes on 2 cores)' },
    { name: 'warmup-s', kind: FlagKind.Number, default: 20, doc: 'seconds of warm-up at 15 requests/s before the ladder (not measured)' },
    { name: 'groups', kind: FlagKind.Number, default: 150, doc: 'shared-prefix groups' },
    { name: 'prompts-per-group', kind: FlagKind.Number, default: 5, doc: 'questions per group' },
    { name: 'system-tokens', kind: FlagKind.Number, default: 6000, doc: 'tokens of each group system prompt' },
    { name: 'question-tokens', kind: FlagKind.Number, default: 1200, doc: 'tokens of each question' },
    { name: 'output-tokens', kind: FlagKind.Number, default: 1000, doc: 'output tokens per request (ignore_eos)' },
    { name: 'replicas', kind: FlagKind.Number, default: 8, doc: 'engine replicas' },
    { name: 'profile', kind: FlagKind.String, default: 'qwen3-32b-2xh100', doc: 'SimEngine profile' },
    { name: 'capacity-s', kind: FlagKind.Number, default: 60, doc: 'seconds of constant load per capacity probe (after the warm-up)' },
  ],
  defaultPolicies: ALL_POLICIES,
  capacity: { unit: 'qps', initial: 15, min: 0.5, max: 200 },
  layouts(flags, live) {
    const n = live ? 2 : flags.count('replicas');
    return [{ name: `${n} × ${live ? 'llama-3-8b-h100' : flags.string('profile')}`, fleet: { profile: live ? 'llama-3-8b-h100' : flags.string('profile'), replicas: replicas(n, 'decode') } }];
  },
  build(o: BuildOptions): BuiltScenario {
    const f = o.flags;
    // --live: a minute at most through real processes on the real clock, 2 llama replicas.
    const groups = o.live ? 8 : f.count('groups');
    const perGroup = o.live ? 3 : f.count('prompts-per-group');
    const systemTokens = o.live ? 1500 : f.count('system-tokens');
    const questionTokens = o.live ? 300 : f.count('question-tokens');
    const outputTokens = o.live ? 64 : f.count('output-tokens');
    const systems = Array.from({ length: groups }, (_, g) => seededTokens(mixSeed(o.seed * 2 + 1, g), systemTokens));
    const questions = Array.from({ length: groups * perGroup }, (_, q) => seededTokens(mixSeed(o.seed * 2 + 2, q), questionTokens));
    const random = seededRandom(mixSeed(o.seed, 0x11d));
    const warmupS = o.live ? 5 : f.number('warmup-s');
    const stages = o.load !== undefined
      ? ladderStages([o.load], f.positive('capacity-s'), { rate: 15, seconds: warmupS })
      : o.live
        ? ladderStages([1, 2, 4], 10, { rate: 1, seconds: warmupS })
        : ladderStages(f.numbers('rates'), f.positive('stage-s'), { rate: 15, seconds: warmupS });
    const requests: PlannedRequest[] = [];
    stages.forEach((stage, si) => {
      for (const t of poissonArrivals(random, stage.offeredLoad, stage.startMs, stage.endMs)) {
        const q = Math.floor(random() * questions.length);
        const sys = systems[Math.floor(q / perGroup)]!;
        const question = questions[q]!;
        requests.push({ id: `r${requests.length}`, arrivalMs: t, prompt: () => sys.concat(question), maxTokens: outputTokens, stage: si, warmup: stage.warmup });
      }
    });
    return {
      description: `${groups} groups × ${perGroup} prompts, ${systemTokens}+${questionTokens} prompt tokens, ${outputTokens} output tokens; stages ${stages.map((s) => s.label).join(', ')} of ${((stages.at(-1)!.endMs - stages.at(-1)!.startMs) / 1000).toFixed(0)} s`,
      workload: { requests },
      stages,
      slo: { ttftMs: 2000 },
    };
  },
};
