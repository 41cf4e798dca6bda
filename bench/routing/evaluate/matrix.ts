// The frozen evaluation matrix of `npm run bench -- evaluate`: which workloads, policies and seeds every
// routing claim is read against. Change it only with a reason in BENCHMARKS.md: figures from different
// matrices do not compare.
//
// Tuning data. Defaults (the `atc` config's weights and parameters) may be tuned on the TUNING WINDOW
// only: the shipped Mooncake conversation trace's first 5 minutes of trace time. Everything else here is
// evaluation data: the trace's other eleven 5-minute windows, a synthetic agent trace, llm-d's
// shared-prefix workload and multi-turn chat; and the maintainers evaluate on traces we do not have.
import { ATC_POLICY, FAITHFUL_BASELINES, IDEAL_POLICY } from '../harness/policies.js';

export const EVAL_SEEDS: readonly number[] = [1, 2, 3];

/** atc, the faithful baselines it is ranked against, and the ceiling. */
export const EVAL_POLICIES: readonly string[] = [ATC_POLICY, ...FAITHFUL_BASELINES, IDEAL_POLICY];

/** Seconds of trace time per window of the shipped trace (the trace spans 3,537 s: 12 windows). */
export const WINDOW_S = 300;
/** The tuning window: [0, 300) s of the shipped Mooncake conversation trace. */
export const TUNING_WINDOW = { startS: 0, durationS: WINDOW_S } as const;
const TRACE_WINDOWS = 12;

export const WorkloadGroup = {
  MooncakeTuning: 'mooncake-tuning',
  MooncakeEvaluation: 'mooncake-evaluation',
  AgentTrace: 'agent-trace',
  LlmdSharedPrefix: 'llmd-shared-prefix',
  ChatMultiturn: 'chat-multiturn',
} as const;
export type WorkloadGroup = (typeof WorkloadGroup)[keyof typeof WorkloadGroup];

export interface MatrixEntry {
  /** Row label. */
  readonly name: string;
  /** The workload it belongs to: a group's capacity (per policy and seed) is the mean over its entries. */
  readonly group: WorkloadGroup;
  /** Routing scenario and its flags. */
  readonly scenario: string;
  readonly args: readonly string[];
  /** First capacity probe of seed 1, in the scenario's unit (a search start, not a result). */
  readonly initial: number;
}

export interface GroupInfo {
  readonly group: WorkloadGroup;
  readonly title: string;
  readonly unit: string;
  readonly sloTtftMs: number;
  readonly tuning: boolean;
  readonly what: string;
}

export const GROUPS: readonly GroupInfo[] = [
  {
    group: WorkloadGroup.MooncakeTuning,
    title: 'Mooncake trace, tuning window (0–5 min)',
    unit: 'speed-up',
    sloTtftMs: 5000,
    tuning: true,
    what: 'the only data defaults may be tuned on',
  },
  {
    group: WorkloadGroup.MooncakeEvaluation,
    title: 'Mooncake trace, evaluation windows (5–60 min)',
    unit: 'speed-up, mean of 11 windows',
    sloTtftMs: 5000,
    tuning: false,
    what: 'eleven 5-minute windows, each searched on its own',
  },
  {
    group: WorkloadGroup.AgentTrace,
    title: 'Synthetic agent trace',
    unit: 'speed-up',
    sloTtftMs: 2000,
    tuning: false,
    what: '`agent-trace` defaults (16 apps, 8 sessions/s), trace minute 1–2',
  },
  {
    group: WorkloadGroup.LlmdSharedPrefix,
    title: 'llm-d shared prefix, constant QPS',
    unit: 'qps',
    sloTtftMs: 2000,
    tuning: false,
    what: 'its 750 prompts (150 groups × 5) once, cold, at the probed QPS (one inference-perf stage)',
  },
  {
    group: WorkloadGroup.ChatMultiturn,
    title: 'Multi-turn chat',
    unit: 'sessions/s',
    sloTtftMs: 2000,
    tuning: false,
    what: '`chat-multiturn` defaults, sessions starting at the probed rate for 30 s',
  },
];

/** The matrix. agentTracePath: where the synthetic agent trace was written (it is generated, not shipped). */
export function evaluationMatrix(agentTracePath: string): MatrixEntry[] {
  const windows: MatrixEntry[] = Array.from({ length: TRACE_WINDOWS }, (_, k) => ({
    name: `Mooncake ${k * 5}–${k * 5 + 5} min`,
    group: k === 0 ? WorkloadGroup.MooncakeTuning : WorkloadGroup.MooncakeEvaluation,
    scenario: 'mooncake-conversation',
    args: ['--start-s', String(k * WINDOW_S), '--duration-s', String(WINDOW_S), '--capacity-duration-s', String(WINDOW_S)],
    initial: 3,
  }));
  return [
    ...windows,
    // Minute 1–2 of the agent trace: past the first minute, in which sessions are still starting (a
    // session lasts up to ~40 s), and one minute (2,300 requests of ~8,500 tokens) bounds a probe's cost
    // to ~5 s (the whole trace: ~20 s).
    {
      name: 'agent trace',
      group: WorkloadGroup.AgentTrace,
      scenario: 'trace',
      args: ['--trace', agentTracePath, '--start-s', '60', '--duration-s', '60', '--capacity-duration-s', '60'],
      initial: 2,
    },
    // One inference-perf stage of 750 requests (every prompt once) at the probed QPS, on cold caches.
    // Why not llm-d's warm-up and fixed-length stages: after the warm-up a cache-aware policy finds
    // every prompt cached, and with 1,000-token answers (a request runs ~60 s) a stage of the published
    // length is a surge whose largest size within a TTFT bound is the engines' max_num_seqs (8 × 1,024
    // sequences), not routing: measured, the cache-aware policies passed at the probes' 2,000 QPS cap
    // or ~880 QPS for 10 s. A cold pass makes the prefill work routing decides the bottleneck: each
    // group's 6,000-token prompt computed once where its group goes, or again wherever a member strays.
    {
      name: 'llm-d shared prefix',
      group: WorkloadGroup.LlmdSharedPrefix,
      scenario: 'llmd-shared-prefix',
      args: ['--warmup', 'none', '--capacity-requests', '750'],
      initial: 30,
    },
    // Sessions start at the probed rate for 30 s (a session lasts ~100 s: 8 turns, 8 s think time): 60 s
    // doubled the cost, and `ideal`'s probes near 140 sessions/s took 20 minutes of the matrix alone.
    { name: 'chat multi-turn', group: WorkloadGroup.ChatMultiturn, scenario: 'chat-multiturn', args: ['--capacity-s', '30'], initial: 28 },
  ];
}
