// Multi-turn chat: sessions whose context grows turn by turn. A session starts (Poisson, --session-rate),
// sends turn 1 = shared system prompt + its first user message; each later turn is sent a think time after
// the previous answer finished and carries the whole conversation so far (previous prompt + the answer's
// token ids + a new user message), with the x-session-id header set, as a chat client re-sends history.
import { seededRandom } from '../../../shared/scheduling/index.js';
import { option } from '../../../shared/config/index.js';
import { ALL_POLICIES } from '../harness/policies.js';
import { mixSeed, seededTokens } from '../harness/token-ids.js';
import { aggregatedReplicas, type PlannedRequest } from '../harness/workload.js';
import { defineScenario, type BuiltScenario } from './scenario.js';
import { POSITIVE, profileFlag, replicasFlag } from './scenario-flags.js';

export const chatMultiturn = defineScenario({
  name: 'chat-multiturn',
  doc: 'chat sessions with growing context and think time between turns (x-session-id set), 8 × llama-3-8b-h100',
  flags: {
    sessions: option.integer({ flag: 'sessions', min: 1, default: 400, doc: 'sessions in the run' }),
    sessionRate: option.number({
      flag: 'session-rate',
      ...POSITIVE,
      default: 4,
      doc: 'new sessions per second (Poisson); the capacity search varies this',
    }),
    turns: option.integer({ flag: 'turns', min: 1, default: 8, doc: 'turns per session' }),
    systemTokens: option.integer({ flag: 'system-tokens', min: 1, default: 1000, doc: 'system prompt tokens, shared by every session' }),
    userTokens: option.integer({ flag: 'user-tokens', min: 1, default: 400, doc: 'new user tokens per turn' }),
    outputTokens: option.integer({ flag: 'output-tokens', min: 1, default: 250, doc: 'answer tokens per turn (ignore_eos)' }),
    thinkS: option.number({
      flag: 'think-s',
      ...POSITIVE,
      default: 8,
      doc: 'mean think time between an answer and the next turn, s (exponential)',
    }),
    replicas: replicasFlag(8),
    profile: profileFlag('llama-3-8b-h100'),
    capacityS: option.number({
      flag: 'capacity-s',
      ...POSITIVE,
      default: 60,
      doc: 'with --capacity: seconds over which sessions start at the probed rate (sessions = rate × this)',
    }),
  },
  defaultPolicies: ALL_POLICIES,
  capacity: { unit: 'sessions/s', initial: 4, min: 0.1, max: 200 },
  layouts(flags, live) {
    const n = live ? 2 : flags.replicas;
    const p = live ? 'llama-3-8b-h100' : flags.profile;
    return [{ name: `${n} × ${p}`, fleet: { profile: p, replicas: aggregatedReplicas(n) } }];
  },
  build(o): BuiltScenario {
    const f = o.flags;
    // A capacity probe starts sessions at the probed rate for capacity-s seconds: a fixed session count
    // would cap the load however fast they start (400 sessions never load 8 replicas past their knee).
    const sessions = o.live ? 12 : o.load !== undefined ? Math.max(1, Math.round(o.load * f.capacityS)) : f.sessions;
    const rate = o.load ?? (o.live ? 0.5 : f.sessionRate);
    const turns = o.live ? 3 : f.turns;
    const userTokens = o.live ? 200 : f.userTokens;
    const outputTokens = o.live ? 32 : f.outputTokens;
    const thinkMs = (o.live ? 2 : f.thinkS) * 1000;
    const system = seededTokens(mixSeed(o.seed, 0x5157), o.live ? 500 : f.systemTokens);
    const random = seededRandom(mixSeed(o.seed, 0xc4a7));
    // Session start times: `sessions` Poisson arrivals at `rate`.
    const startMs: number[] = [];
    let t = 0;
    for (let s = 0; s < sessions; s++) {
      t += (-Math.log(1 - random()) / rate) * 1000;
      startMs.push(t);
    }
    const userMessage = (session: number, turn: number) => seededTokens(mixSeed(o.seed * 7 + session, turn), userTokens);
    // Each turn's think time comes from its own seed, so runs under different policies see the same sessions.
    const thinkAfter = (session: number, turn: number) => -Math.log(1 - seededRandom(mixSeed(session, turn * 31 + o.seed))()) * thinkMs;
    const turnRequest = (session: number, turn: number, arrivalMs: number, prompt: () => readonly number[]): PlannedRequest => ({
      id: `s${session}t${turn}`,
      arrivalMs,
      prompt,
      maxTokens: outputTokens,
      headers: { 'x-session-id': `session-${session}` },
    });
    const requests = startMs.map((ms, s) => turnRequest(s, 1, ms, () => system.concat(userMessage(s, 1))));
    return {
      description: `${sessions} sessions at ${rate}/s, ${turns} turns, ${userTokens} user + ${outputTokens} answer tokens a turn, think ${thinkMs / 1000} s mean, shared ${system.length}-token system prompt`,
      workload: {
        requests,
        expectedRequests: sessions * turns,
        wantsOutputTokens: true,
        followUp(done, promptIds, outputIds, finishMs) {
          const m = /^s(\d+)t(\d+)$/.exec(done.id);
          if (m === null) return undefined;
          const [session, turn] = [Number(m[1]), Number(m[2])];
          if (turn >= turns) return undefined;
          const history = promptIds.concat(outputIds);
          return turnRequest(session, turn + 1, finishMs + thinkAfter(session, turn), () => history.concat(userMessage(session, turn + 1)));
        },
      },
      slo: { ttftMs: 2000 },
    };
  },
});
