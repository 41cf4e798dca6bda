// A synthetic tool-agent workload written as a Mooncake-format trace (timestamp ms, input_length,
// output_length, hash_ids of 512-token blocks), so that `--trace` can be checked on a second workload
// whose shape differs from the conversation trace: many agent sessions share a few long tool/system
// prefixes (Zipf popularity over apps), and every step of a session re-sends the whole growing context
// (previous observations and answers) plus a new observation, with short answers. Our own model, not a
// recording: the parameters below are choices, documented in BENCHMARKS.md with the run that used them.
import { seededRandom } from '../../../shared/scheduling/index.js';
import { MOONCAKE_BLOCK_TOKENS } from '../harness/token-ids.js';
import type { TraceRecord } from './mooncake-trace.js';

export interface AgentTraceOptions {
  /** s of trace time. */
  readonly durationS: number;
  /** new agent sessions per s (Poisson). */
  readonly sessionRatePerS: number;
  /** distinct agent apps, each with its own tool/system prefix. */
  readonly apps: number;
  readonly seed: number;
}

export const DEFAULT_AGENT_TRACE: AgentTraceOptions = { durationS: 300, sessionRatePerS: 8, apps: 16, seed: 1 };

/** Context cap, tokens: a session ends once its next step would exceed it. */
const MAX_CONTEXT_TOKENS = 65_536;

/** The trace's records, sorted by timestamp. Deterministic in the options. */
export function agentTrace(o: AgentTraceOptions): TraceRecord[] {
  if (!(o.durationS > 0)) throw new Error(`agent trace: --duration-s must be > 0, got ${o.durationS}`);
  if (!(o.sessionRatePerS > 0)) throw new Error(`agent trace: --session-rate must be > 0, got ${o.sessionRatePerS}`);
  if (!Number.isInteger(o.apps) || o.apps < 1) throw new Error(`agent trace: --apps must be a positive integer, got ${o.apps}`);
  if (!Number.isInteger(o.seed)) throw new Error(`agent trace: --seed must be an integer, got ${o.seed}`);
  const random = seededRandom(o.seed);
  const uniform = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  let nextId = 0;
  // Apps: a tool/system prefix of 4-16 whole blocks (2,048-8,192 tokens); popularity Zipf(1.1).
  const apps = Array.from({ length: o.apps }, () => Array.from({ length: uniform(4, 16) }, () => nextId++));
  const zipf = apps.map((_, i) => 1 / Math.pow(i + 1, 1.1));
  const zipfTotal = zipf.reduce((a, b) => a + b, 0);
  const pickApp = () => {
    let x = random() * zipfTotal;
    for (let i = 0; i < zipf.length; i++) if ((x -= zipf[i]!) <= 0) return i;
    return zipf.length - 1;
  };

  const records: TraceRecord[] = [];
  let sessionStartMs = 0;
  for (;;) {
    sessionStartMs += (-Math.log(1 - random()) / o.sessionRatePerS) * 1000;
    if (sessionStartMs >= o.durationS * 1000) break;
    const prefix = apps[pickApp()]!;
    const prefixTokens = prefix.length * MOONCAKE_BLOCK_TOKENS;
    // The session's own context after the prefix: full blocks keep their ids from step to step.
    const sessionBlocks: number[] = [];
    let sessionTokens = 0;
    let t = sessionStartMs;
    const steps = uniform(2, 10);
    for (let step = 0; step < steps; step++) {
      // Step 0: the user's task; later steps: the tool's observation after the previous answer.
      sessionTokens += step === 0 ? uniform(100, 600) : uniform(100, 1500);
      const inputLength = prefixTokens + sessionTokens;
      if (inputLength > MAX_CONTEXT_TOKENS) break;
      while ((sessionBlocks.length + 1) * MOONCAKE_BLOCK_TOKENS <= sessionTokens) sessionBlocks.push(nextId++);
      const partial = sessionTokens % MOONCAKE_BLOCK_TOKENS > 0 ? [nextId++] : [];
      const outputLength = uniform(30, 300);
      if (t < o.durationS * 1000)
        records.push({ timestampMs: Math.round(t), inputLength, outputLength, hashIds: [...prefix, ...sessionBlocks, ...partial] });
      sessionTokens += outputLength;
      // Next step: after the answer streams (~25 ms a token) and the tool runs (exponential, mean 3 s).
      t += outputLength * 25 + -Math.log(1 - random()) * 3000;
    }
  }
  return records.sort((a, b) => a.timestampMs - b.timestampMs);
}

/** One JSON object a line, as the Mooncake FAST'25 traces are written. */
export function traceJsonl(records: readonly TraceRecord[]): string {
  return (
    records
      .map((r) =>
        JSON.stringify({ timestamp: r.timestampMs, input_length: r.inputLength, output_length: r.outputLength, hash_ids: r.hashIds }),
      )
      .join('\n') + '\n'
  );
}
