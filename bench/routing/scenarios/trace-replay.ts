// Replays a Mooncake-format trace (`--trace FILE`) on N replicas: arrivals at timestamp / speedup, prompts
// from the hash ids (512 deterministic tokens per id, cut to input_length), output_length tokens with
// ignore_eos. `mooncake-conversation` is this scenario on the shipped Mooncake conversation trace.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../../shared/scheduling/index.js';
import { spreadWithinResolution, timestampResolutionMs } from '../harness/arrivals.js';
import { option, type Options } from '../../../shared/config/index.js';
import { ALL_POLICIES } from '../harness/policies.js';
import { expandHashIds, mixSeed } from '../harness/token-ids.js';
import { aggregatedReplicas, type PlannedRequest } from '../harness/workload.js';
import { readTraceFile, type TraceRecord } from './mooncake-trace.js';
import { defineScenario, type BuildOptions, type BuiltScenario } from './scenario.js';
import { POSITIVE, profileFlag, replicasFlag } from './scenario-flags.js';

const SHIPPED_TRACE = 'mooncake-conversation-trace.jsonl';

/** bench/data/<name>, found from the compiled module's place (dist-xxx/bench/scenarios) or the sources. */
export function benchDataFile(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'bench', 'data', name);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`bench/data/${name} not found above ${dirname(fileURLToPath(import.meta.url))}`);
}

const traceCache = new Map<string, TraceRecord[]>();
function loadTrace(path: string): TraceRecord[] {
  let t = traceCache.get(path);
  if (t === undefined) traceCache.set(path, (t = readTraceFile(path)));
  return t;
}

export const ArrivalMode = { Spread: 'spread', Burst: 'burst' } as const;
export type ArrivalMode = (typeof ArrivalMode)[keyof typeof ArrivalMode];

/** The flags of a trace replay (the `trace` scenario adds --trace). */
function replayFlags(defaultSpeedup: number, defaultDuration: number, defaultCapacityDuration: number) {
  return {
    replicas: replicasFlag(8),
    profile: profileFlag('llama-3-8b-h100'),
    speedup: option.number({
      flag: 'speedup',
      ...POSITIVE,
      default: defaultSpeedup,
      doc: 'divides the trace timestamps (2 = twice the request rate)',
    }),
    startS: option.number({
      flag: 'start-s',
      min: 0,
      default: 0,
      doc: 'replay from this second of trace time on (its requests shifted to start at 0)',
    }),
    durationS: option.number({
      flag: 'duration-s',
      min: 0,
      default: defaultDuration,
      doc: 'replay only requests arriving in the first N seconds of the trace from --start-s (before speed-up; 0 = all)',
    }),
    capacityDurationS: option.number({
      flag: 'capacity-duration-s',
      min: 0,
      default: defaultCapacityDuration,
      doc: 'with --capacity: seconds of trace time each probe replays (bounded cost per probe; 0 = as --duration-s)',
    }),
    arrivals: option.choice({
      flag: 'arrivals',
      choices: [ArrivalMode.Spread, ArrivalMode.Burst],
      default: ArrivalMode.Spread,
      doc: "spread: requests sharing a timestamp arrive uniformly (seeded) within the trace's timestamp resolution; burst: all at that instant (the replay before this option existed)",
    }),
    timeResolutionMs: option.number({
      flag: 'time-resolution-ms',
      min: 0,
      defaultDoc: 'detected, the most common gap between distinct timestamps',
      doc: "the trace's timestamp resolution, ms",
    }),
  };
}
type ReplayFlags = Options<ReturnType<typeof replayFlags>>;

/** How a trace's timestamps become arrival times: the mode and the resolution it spreads within (ms). */
export interface TraceArrivals {
  readonly mode: ArrivalMode;
  readonly resolutionMs: number;
  /** true when the resolution was detected from the trace rather than given. */
  readonly detected: boolean;
}

export function traceArrivals(records: readonly TraceRecord[], flags: Pick<ReplayFlags, 'arrivals' | 'timeResolutionMs'>): TraceArrivals {
  const mode = flags.arrivals;
  if (flags.timeResolutionMs !== undefined) return { mode, resolutionMs: flags.timeResolutionMs, detected: false };
  return { mode, resolutionMs: timestampResolutionMs(records.map((r) => r.timestampMs)), detected: true };
}

/** The records with their arrival times (ms of trace time) under `arrivals`, seeded; same order. */
export function arrivalTimesMs(records: readonly TraceRecord[], arrivals: TraceArrivals, seed: number): number[] {
  const ts = records.map((r) => r.timestampMs);
  return arrivals.mode === ArrivalMode.Burst ? ts : spreadWithinResolution(ts, arrivals.resolutionMs, seededRandom(mixSeed(seed, 0xa77)));
}

function buildTrace(records: readonly TraceRecord[], o: BuildOptions<ReplayFlags>, source: string, sloTtftMs: number): BuiltScenario {
  const speedup = o.load ?? (o.live ? 1 : o.flags.speedup);
  const capacityS = o.flags.capacityDurationS;
  const durationS = o.live ? 0 : o.load !== undefined && capacityS > 0 ? capacityS : o.flags.durationS;
  const startS = o.flags.startS;
  const fromMs = startS * 1000;
  const arrivals = traceArrivals(records, o.flags);
  // Arrival times over the whole trace, so a window sees the same times whichever window it is part of;
  // the window itself is chosen on the trace's own timestamps.
  const arrivalMs = arrivalTimesMs(records, arrivals, o.seed);
  let chosen = records
    .map((r, i) => ({ ...r, timestampMs: arrivalMs[i]!, recordedMs: r.timestampMs }))
    .filter((r) => r.recordedMs >= fromMs && (durationS <= 0 || r.recordedMs < fromMs + durationS * 1000))
    .map((r) => (fromMs > 0 ? { ...r, timestampMs: r.timestampMs - fromMs } : r));
  if (chosen.length === 0)
    throw new Error(
      `${source}: no request arrives in the chosen window (from ${startS} s, ${durationS > 0 ? `${durationS} s` : 'to the end'})`,
    );
  if (o.live)
    chosen = records.slice(0, 40).map((r, i) => ({
      ...r,
      timestampMs: i * 1000,
      recordedMs: r.timestampMs,
      inputLength: Math.min(r.inputLength, 4096),
      outputLength: Math.min(r.outputLength, 64),
    }));
  const salt = o.seed;
  const requests: PlannedRequest[] = chosen.map((r, i) => ({
    id: `t${i}`,
    arrivalMs: r.timestampMs / speedup,
    prompt: () => expandHashIds(r.hashIds, r.inputLength, salt),
    maxTokens: r.outputLength,
  }));
  const last = chosen[chosen.length - 1]!;
  const spanS = (o.live ? last.timestampMs : last.recordedMs - fromMs) / 1000;
  const replay = o.live
    ? 'one request a second'
    : arrivals.mode === ArrivalMode.Burst
      ? `requests sharing a timestamp replayed as one burst (timestamp resolution ${arrivals.resolutionMs} ms)`
      : `requests sharing a timestamp spread uniformly within its ${arrivals.resolutionMs} ms resolution (${arrivals.detected ? 'detected' : 'given'})`;
  return {
    description: `${source}: ${chosen.length} requests over ${spanS.toFixed(0)} s of trace time${fromMs > 0 && !o.live ? ` from ${startS} s` : ''}, speed-up ${speedup}; ${replay}`,
    workload: { requests },
    slo: { ttftMs: sloTtftMs },
  };
}

function traceLayouts(replicaCount: number, profile: string, live: boolean) {
  const n = live ? 2 : replicaCount;
  const p = live ? 'llama-3-8b-h100' : profile;
  return [{ name: `${n} × ${p}`, fleet: { profile: p, replicas: aggregatedReplicas(n) } }];
}

export const traceReplay = defineScenario({
  name: 'trace',
  doc: 'replays a Mooncake-format trace: --trace FILE [--replicas N] [--profile NAME] [--speedup X]',
  flags: {
    trace: option.string({
      flag: 'trace',
      doc: 'Mooncake-format trace file (JSONL: timestamp ms, input_length, output_length, hash_ids of 512-token blocks)',
    }),
    ...replayFlags(1, 0, 300),
  },
  defaultPolicies: ALL_POLICIES,
  capacity: { unit: 'speedup', initial: 1, min: 0.05, max: 256 },
  layouts: (flags, live) => traceLayouts(flags.replicas, flags.profile, live),
  build(o) {
    const path = o.flags.trace;
    if (path === undefined) throw new Error('the trace scenario needs --trace FILE');
    return buildTrace(loadTrace(path), o, path, 2000);
  },
});

// The Mooncake conversation trace on 8 × llama-3-8b-h100. Why that profile: its 450,896-token KV cache
// per replica holds ~37 of the trace's average 12,035-token prompts, so prefix reuse competes with
// capacity (the trace's ~40% cache ratio is reachable, not free), and it is the engine the live cluster
// runs by default, so --live compares like with like. The default speed-up 4, the first 5 minutes of
// the trace for the main run (875 requests) and 4 minutes per capacity probe keep all 8 policies with
// --capacity --capacity-runs 5 under 5 minutes on 2 cores (was 10 and 5 minutes: 6 min 37 s).
// SLO 5 s, not 2 s: the trace's long prompts (p90 27,367 tokens, p99 85,401, up to 126,195) give random routing a p90 TTFT
// of 2.3 s on an idle fleet (speed-up 0.25, measured), so a 2 s bound has no capacity to search.
const MOONCAKE_SLO_TTFT_MS = 5000;
export const mooncakeConversation = defineScenario({
  name: 'mooncake-conversation',
  doc: "the shipped Mooncake FAST'25 conversation trace (bench/data) on 8 × llama-3-8b-h100, first 5 min of trace time, speed-up 4, SLO TTFT 5 s",
  flags: replayFlags(4, 300, 240),
  defaultPolicies: ALL_POLICIES,
  capacity: { unit: 'speedup', initial: 4, min: 0.25, max: 256 },
  layouts: (flags, live) => traceLayouts(flags.replicas, flags.profile, live),
  build(o) {
    return buildTrace(loadTrace(benchDataFile(SHIPPED_TRACE)), o, 'Mooncake conversation trace', MOONCAKE_SLO_TTFT_MS);
  },
});
