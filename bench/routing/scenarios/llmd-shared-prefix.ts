// llm-d's published precise-prefix-cache benchmark ("KV-Cache Wins You Can See", llm-d blog, 2025; the
// run behind it: llm-d/llm-d guides/precise-prefix-cache-aware/benchmark-results, workload profile
// "X-70R-6kSys"): inference-perf `shared_prefix` data, 150 groups × 5 prompts, a 6,000-token system
// prompt per group and a 1,200-token question, 1,000 output tokens (max_tokens, ignore_eos), Poisson
// stages after a 15 QPS × 50 s warm-up that "seats" every prompt once, on 8 replicas of Qwen3-32B on
// 2×H100 (TP2, 307,328 KV tokens each).
//
// Reproduced as inference-perf runs it (kubernetes-sigs/inference-perf, inference_perf/loadgen and
// datagen/shared_prefix_datagen.py):
// - a stage sends int(rate × duration) requests at Poisson times, then waits until every one of them
//   has finished, sleeps the config's `interval` (1 s), and only then starts the next stage;
// - the 750 prompts are shuffled once, and request j of every stage sends prompt j mod 750, so each
//   stage replays the same order from its start (a 1,500-request stage sends every prompt twice).
import { seededRandom } from '../../../shared/scheduling/index.js';
import { poissonArrivalTimes } from '../harness/arrivals.js';
import { option } from '../../../shared/config/index.js';
import { mixSeed, seededTokens } from '../harness/token-ids.js';
import { aggregatedReplicas, type PlannedRequest, type Stage } from '../harness/workload.js';
import { ALL_POLICIES } from '../harness/policies.js';
import { defineScenario, type BuiltScenario } from './scenario.js';
import { POSITIVE, profileFlag, replicasFlag } from './scenario-flags.js';

/**
 * The published ladder, rate (requests/s) : duration (s), from the workload profile of llm-d's benchmark
 * (guides/precise-prefix-cache-aware/benchmark-results/README.md, "X-70R-6kSys").
 */
export const LLMD_PUBLISHED_STAGES = '3:20,10:20,15:20,20:38,22:34,25:30,30:25,35:21,40:38,43:36,46:33,49:30,52:29,55:27,57:26,60:25';

export interface RateStage {
  /** requests/s */
  readonly rate: number;
  /** s */
  readonly seconds: number;
}

/** Parses "rate:seconds,rate:seconds" (e.g. "3:20,10:20"), naming the flag and the bad entry. */
export function parseRateStages(flag: string, text: string): RateStage[] {
  const out: RateStage[] = [];
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const m = /^([0-9.]+):([0-9.]+)$/.exec(part);
    const rate = m ? Number(m[1]) : NaN;
    const seconds = m ? Number(m[2]) : NaN;
    if (!(rate > 0) || !(seconds > 0)) throw new Error(`--${flag}: '${part}' is not rate:seconds with both > 0 (e.g. 15:50)`);
    out.push({ rate, seconds });
  }
  if (out.length === 0) throw new Error(`--${flag} needs at least one rate:seconds stage`);
  return out;
}

export const llmdSharedPrefix = defineScenario({
  name: 'llmd-shared-prefix',
  doc: "llm-d's shared-prefix benchmark as inference-perf runs it: 150 groups × 5 prompts (6,000-token system prompt + 1,200-token question, 1,000 output tokens), llm-d's published 16-stage Poisson ladder 3→60 QPS after a 15 QPS × 50 s warm-up, each stage drained before the next, 8 × qwen3-32b-2xh100",
  flags: {
    stages: option.string({
      flag: 'stages',
      default: LLMD_PUBLISHED_STAGES,
      doc: "ladder as rate:seconds stages (requests/s : s); the default is llm-d's published ladder",
    }),
    warmup: option.string({
      flag: 'warmup',
      default: '15:50',
      doc: 'warm-up stage(s) as rate:seconds, served and left out of the figures; none: no warm-up',
    }),
    stageGapS: option.number({
      flag: 'stage-gap-s',
      min: 0,
      default: 1,
      doc: "seconds between a stage's last finish and the next stage's start (inference-perf's interval)",
    }),
    backToBack: option.boolean({
      flag: 'back-to-back',
      doc: 'stages follow each other on the clock without waiting for the previous one to drain (an open-loop overload ladder)',
    }),
    groups: option.integer({ flag: 'groups', min: 1, default: 150, doc: 'shared-prefix groups' }),
    promptsPerGroup: option.integer({ flag: 'prompts-per-group', min: 1, default: 5, doc: 'questions per group' }),
    systemTokens: option.integer({ flag: 'system-tokens', min: 1, default: 6000, doc: 'tokens of each group system prompt' }),
    questionTokens: option.integer({ flag: 'question-tokens', min: 1, default: 1200, doc: 'tokens of each question' }),
    outputTokens: option.integer({ flag: 'output-tokens', min: 1, default: 1000, doc: 'output tokens per request (ignore_eos)' }),
    replicas: replicasFlag(8),
    profile: profileFlag('qwen3-32b-2xh100'),
    capacityS: option.number({
      flag: 'capacity-s',
      ...POSITIVE,
      default: 60,
      doc: 'seconds of constant load per capacity probe (after the warm-up)',
    }),
    capacityRequests: option.integer({
      flag: 'capacity-requests',
      min: 0,
      default: 0,
      doc: 'with --capacity: a probe sends this many requests at the probed QPS instead (750: one pass over every prompt); 0 = --capacity-s',
    }),
  },
  defaultPolicies: ALL_POLICIES,
  capacity: { unit: 'qps', initial: 15, min: 0.5, max: 2000 },
  layouts(flags, live) {
    const n = live ? 2 : flags.replicas;
    const profile = live ? 'llama-3-8b-h100' : flags.profile;
    return [{ name: `${n} × ${profile}`, fleet: { profile, replicas: aggregatedReplicas(n) } }];
  },
  build(o): BuiltScenario {
    const f = o.flags;
    // --live: a minute at most through real processes on the real clock, 2 llama replicas.
    const groups = o.live ? 8 : f.groups;
    const perGroup = o.live ? 3 : f.promptsPerGroup;
    const systemTokens = o.live ? 1500 : f.systemTokens;
    const questionTokens = o.live ? 300 : f.questionTokens;
    const outputTokens = o.live ? 64 : f.outputTokens;
    const backToBack = f.backToBack;
    const gapS = f.stageGapS;
    const warmups = o.live ? [{ rate: 2, seconds: 5 }] : f.warmup === 'none' ? [] : parseRateStages('warmup', f.warmup);
    const capacityRequests = f.capacityRequests;
    const ladder =
      o.load !== undefined
        ? [
            capacityRequests > 0
              ? { rate: o.load, seconds: capacityRequests / o.load, count: capacityRequests }
              : { rate: o.load, seconds: f.capacityS },
          ]
        : o.live
          ? [
              { rate: 1, seconds: 8 },
              { rate: 2, seconds: 8 },
              { rate: 4, seconds: 8 },
            ]
          : parseRateStages('stages', f.stages);

    const systems = Array.from({ length: groups }, (_, g) => seededTokens(mixSeed(o.seed * 2 + 1, g), systemTokens));
    const questions = Array.from({ length: groups * perGroup }, (_, q) => seededTokens(mixSeed(o.seed * 2 + 2, q), questionTokens));
    const random = seededRandom(mixSeed(o.seed, 0x11d));
    // inference-perf shuffles its prompts once; every stage sends them in that order from the first.
    const order = Array.from(questions.keys());
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }

    const stages: Stage[] = [];
    const requests: PlannedRequest[] = [];
    let clockMs = 0; // back-to-back only: where the next stage starts on the run's clock
    const all: Array<RateStage & { readonly warmup: boolean; readonly count?: number }> = [
      ...warmups.map((s) => ({ ...s, warmup: true })),
      ...ladder.map((s) => ({ ...s, warmup: false })),
    ];
    all.forEach(({ rate, seconds, warmup, count: fixedCount }, si) => {
      const startMs = backToBack ? clockMs : 0;
      stages.push({ label: `${warmup ? 'warm-up ' : ''}${rate}/s`, offeredLoad: rate, startMs, endMs: startMs + seconds * 1000, warmup });
      clockMs += seconds * 1000;
      const count = fixedCount ?? Math.floor(rate * seconds);
      const times = poissonArrivalTimes(random, rate, count);
      for (let j = 0; j < count; j++) {
        const q = order[j % order.length]!;
        const sys = systems[Math.floor(q / perGroup)]!;
        const question = questions[q]!;
        requests.push({
          id: `r${requests.length}`,
          arrivalMs: startMs + times[j]!,
          prompt: () => sys.concat(question),
          maxTokens: outputTokens,
          stage: si,
          warmup,
        });
      }
    });
    if (backToBack) requests.sort((a, b) => a.arrivalMs - b.arrivalMs);
    return {
      description:
        `${groups} groups × ${perGroup} prompts, ${systemTokens}+${questionTokens} prompt tokens, ${outputTokens} output tokens; ` +
        `stages (rate/s × s) ${all.map((s) => `${s.warmup ? 'warm-up ' : ''}${s.rate}×${s.seconds}`).join(', ')}, ` +
        (backToBack ? 'back to back' : `each drained before the next (+${gapS} s)`),
      workload: { requests, stages, ...(backToBack ? {} : { stageBarrier: { gapMs: gapS * 1000 } }) },
      stages,
      slo: { ttftMs: 2000 },
    };
  },
});
