// The benchmarks of `npm run bench` other than the routing scenarios: each entry's options and its run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { natsServerOption, option } from '../shared/config/index.js';
import { benchEntry, type BenchEntry } from './bench-entry.js';
import { runEngineProfilesBench } from './micro/engine-profiles.js';
import { EVALUATE_FLAGS, selectGroups, selectWindows, withCpuOffload } from './routing/evaluate/evaluate-flags.js';
import { evaluationMatrix } from './routing/evaluate/matrix.js';
import { evaluationMarkdown } from './routing/evaluate/report-md.js';
import { rerenderEvaluation, runEvaluation } from './routing/evaluate/run-evaluate.js';
import { parsePolicies } from './routing/harness/policies.js';
import { runPathLatencyBench } from './micro/path-latency.js';
import { agentTrace, DEFAULT_AGENT_TRACE, traceJsonl } from './routing/scenarios/agent-trace.js';
import { runSchedulerBench, SCHEDULER_BENCH_DEFAULTS } from './micro/scheduler-bench.js';
import { runSchedulerReplicasBench } from './micro/scheduler-replicas.js';
import { OVERLOAD_ARMS, overloadMarkdown, runOverloadBench } from './routing/overload/overload-bench.js';

const fmt = (x: number) => x.toFixed(2);
const POSITIVE = { min: 0, exclusiveMin: true } as const;

const evaluate = benchEntry(
  "every policy's SLO capacity on the frozen evaluation matrix (bench/routing/evaluate/matrix.ts; medians over seeds 1-3, 2% resolution), written to bench-out/evaluate and spliced into BENCHMARKS.md",
  EVALUATE_FLAGS,
  async (o, args) => {
    const splice = o.noSplice ? undefined : o.benchmarks;
    const report =
      o.from !== undefined
        ? rerenderEvaluation(o.from, o.out, splice)
        : await runEvaluation({
            command: `npm run bench -- ${['evaluate', ...args].join(' ')}`,
            out: o.out,
            jobs: o.jobs,
            ...(o.policies !== undefined ? { policies: parsePolicies(o.policies) } : {}),
            ...(o.seeds !== undefined ? { seeds: o.seeds } : {}),
            ...(o.groups !== undefined || o.windows !== undefined || o.cpuOffloadGb > 0
              ? {
                  entries: withCpuOffload(
                    selectWindows(
                      o.groups !== undefined
                        ? selectGroups(evaluationMatrix(join(o.out, 'agent-trace.jsonl')), o.groups)
                        : evaluationMatrix(join(o.out, 'agent-trace.jsonl')),
                      o.windows ?? [...Array(12).keys()],
                    ),
                    o.cpuOffloadGb,
                  ),
                }
              : {}),
            ...(splice !== undefined ? { benchmarksFile: splice } : {}),
            progress: !o.quiet,
          });
    process.stdout.write(
      `\n${evaluationMarkdown(report)}\nwrote ${o.out}/EVALUATION.md and results.json${o.noSplice ? '' : `; tables spliced into ${o.benchmarks}`}\n`,
    );
  },
);

const agentTraceEntry = benchEntry(
  'writes a synthetic tool-agent workload as a Mooncake-format trace (replay it with --trace FILE)',
  {
    out: option.string({ flag: 'out', doc: 'the trace file to write (required)' }),
    durationS: option.number({ flag: 'duration-s', ...POSITIVE, default: DEFAULT_AGENT_TRACE.durationS, doc: 'seconds of trace time' }),
    sessionRate: option.number({
      flag: 'session-rate',
      ...POSITIVE,
      default: DEFAULT_AGENT_TRACE.sessionRatePerS,
      doc: 'new agent sessions per second',
    }),
    apps: option.integer({
      flag: 'apps',
      min: 1,
      default: DEFAULT_AGENT_TRACE.apps,
      doc: 'agent applications (each its own system prompt and tools)',
    }),
    seed: option.integer({ flag: 'seed', default: DEFAULT_AGENT_TRACE.seed, doc: 'seeds the trace' }),
  },
  async (o) => {
    if (o.out === undefined) throw new Error('agent-trace needs --out FILE');
    const records = agentTrace({ durationS: o.durationS, sessionRatePerS: o.sessionRate, apps: o.apps, seed: o.seed });
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, traceJsonl(records));
    const input = records.reduce((a, r) => a + r.inputLength, 0) / records.length;
    const output = records.reduce((a, r) => a + r.outputLength, 0) / records.length;
    process.stdout.write(
      `wrote ${o.out}: ${records.length} requests, average input ${input.toFixed(0)} tokens, average output ${output.toFixed(0)} tokens\n`,
    );
  },
);

const pathLatency = benchEntry(
  "ms llm-atc adds to a one-token completion: through ingress -> scheduler -> worker and straight to the engine's own HTTP server, side by side, with a per-hop breakdown",
  {
    requests: option.integer({ flag: 'requests', min: 1, default: 300, doc: 'sequential one-token completions measured on each path' }),
    throughput: option.boolean({ flag: 'throughput', doc: 'also search the highest sustained rate of each path (p99 added < 10 ms)' }),
    stepSeconds: option.number({ flag: 'step-seconds', ...POSITIVE, default: 5, doc: 'seconds of arrivals per rate step (--throughput)' }),
    scheduler: option.choice({
      flag: 'scheduler',
      choices: ['nats', 'in-process'],
      default: 'in-process',
      doc: 'where the ingress picks (its --scheduler): in its own process, as npm start runs it, or by a scheduler replica over NATS',
    }),
    direct: option.choice({
      flag: 'direct',
      choices: ['on', 'off'],
      default: 'on',
      doc: "on: generate requests over the workers' direct connections, as npm start runs them; off: over NATS",
    }),
    natsServer: natsServerOption,
  },
  async (o) => {
    const r = await runPathLatencyBench({
      requests: o.requests,
      scheduler: o.scheduler,
      direct: o.direct === 'on',
      warmup: 200,
      throughput: o.throughput,
      stepSeconds: o.stepSeconds,
      log: (line) => process.stdout.write(`${line}\n`),
      ...(o.natsServer ? { natsServer: o.natsServer } : {}),
    });
    const row = (label: string, s: { p50: number; p90: number; p99: number; mean: number }) =>
      `  ${label.padEnd(44)} median ${fmt(s.p50).padStart(6)}  p90 ${fmt(s.p90).padStart(6)}  p99 ${fmt(s.p99).padStart(6)}  mean ${fmt(s.mean).padStart(6)}\n`;
    process.stdout.write(
      `path-latency: ${r.throughMs.count} sequential one-token completions on each path after 200 to warm up, alternating; picks ${o.scheduler === 'nats' ? 'by a scheduler replica over NATS' : 'in the ingress process'}; generate requests ${o.direct === 'on' ? "over the workers' direct connections" : 'over NATS'}\n`,
    );
    process.stdout.write(row('through llm-atc (client time), ms:', r.throughMs));
    process.stdout.write(row('direct to vllm-sim (client time), ms:', r.directMs));
    process.stdout.write(row('added (through - direct), ms:', r.added));
    process.stdout.write(row('through - engine TTFT, ms:', r.throughMinusEngineTtftMs));
    process.stdout.write(row('floor: bare NATS round trip after idle, ms:', r.natsRoundTripMs));
    process.stdout.write(`  breakdown of the through path (median / p90 per hop, ms):\n`);
    for (const h of r.breakdown)
      process.stdout.write(`    ${h.name.padEnd(72)} ${fmt(h.ms.p50).padStart(6)} ${fmt(h.ms.p90).padStart(6)}\n`);
    if (r.throughput) {
      const t = r.throughput;
      process.stdout.write(
        `  sustained rate (p99 added < 10 ms), req/s: through non-streaming ${t.throughRate.nonStreaming}, streaming ${t.throughRate.streaming}; ` +
          `direct non-streaming ${t.directRate.nonStreaming}, streaming ${t.directRate.streaming}\n`,
      );
    }
  },
);

const engineProfiles = benchEntry(
  'SimEngine profiles: TTFT and ITL on a grid of batch sizes and prompt lengths beside their calibration figures',
  { out: option.string({ flag: 'out', doc: 'also write the reports as JSON: a directory (gets engine-profiles.json) or a .json file' }) },
  async (o) => runEngineProfilesBench(o.out !== undefined ? { out: o.out } : {}),
);

const scheduler = benchEntry(
  'decision time of the scheduling core over a 1,000,000-block prefix index',
  {
    decisions: option.integer({
      flag: 'decisions',
      min: 1,
      default: SCHEDULER_BENCH_DEFAULTS.decisions,
      doc: 'timed decisions per prompt form',
    }),
    blocks: option.integer({
      flag: 'blocks',
      min: 1,
      default: SCHEDULER_BENCH_DEFAULTS.blocks,
      doc: 'distinct blocks in the prefix index',
    }),
    engines: option.integer({
      flag: 'engines',
      min: 1,
      default: SCHEDULER_BENCH_DEFAULTS.engines,
      doc: 'engines the blocks are spread over',
    }),
    tokenizerThreads: option.integer({ flag: 'tokenizer-threads', min: 1, default: 2, doc: 'threads of the tokenizer pool measured' }),
  },
  async (o) => {
    await runSchedulerBench({ decisions: o.decisions, blocks: o.blocks, engines: o.engines, tokenizerThreads: o.tokenizerThreads });
  },
);

const schedulerReplicas = benchEntry(
  'decision quality of 1 vs N scheduler replicas in one queue group, through the real cluster',
  {
    replicas: option.integer({ flag: 'replicas', min: 2, default: 3, doc: 'scheduler replicas of the second run' }),
    natsServer: natsServerOption,
  },
  async (o) => {
    const results = await runSchedulerReplicasBench({
      replicaCounts: [1, o.replicas],
      groups: 12,
      promptsPerGroup: 8,
      concurrency: 8,
      decodeWorkers: 4,
      ...(o.natsServer ? { natsServer: o.natsServer } : {}),
    });
    process.stdout.write('scheduler-replicas: 12 groups x 8 prompts sharing a ~1,400-token system prompt, 8 in flight, 4 decode workers\n');
    for (const r of results) {
      process.stdout.write(
        `  ${r.schedulers} replica(s): prefix-cache hit rate ${(r.prefixCacheHitRate * 100).toFixed(1)}%  e2e p50 ${fmt(r.e2eMs.p50)} ms  p90 ${fmt(r.e2eMs.p90)} ms  requests per worker ${JSON.stringify(r.requestsPerWorker)}\n`,
      );
    }
  },
);

const overload = benchEntry(
  "flow control past saturation: the mooncake-conversation fleet at multiples of atc's SLO capacity, 20/50/30% critical/standard/sheddable from 4 tenants, without flow control, with atc's, with llm-d's defaults; then two tenants (one sending 10× the tokens) sharing a saturated fleet",
  {
    loads: option.string({ flag: 'loads', default: '1,1.5,2,3', doc: "multiples of atc's SLO capacity, comma-separated" }),
    arms: option.string({
      flag: 'arms',
      default: Object.keys(OVERLOAD_ARMS).join(','),
      doc: `flow-control arms (${Object.keys(OVERLOAD_ARMS).join(', ')})`,
    }),
    fairnessLoad: option.number({
      flag: 'fairness-load',
      ...POSITIVE,
      default: 6,
      doc: 'load (× capacity) of the two-tenant fairness run',
    }),
    seed: option.integer({ flag: 'seed', default: 1, doc: 'seeds the trace replay and the priority and tenant draws' }),
    out: option.string({ flag: 'out', default: 'bench-out/overload', doc: 'where results.json and results.md go' }),
  },
  async (o, args) => {
    const loads = o.loads.split(',').map(Number);
    if (loads.some((x) => !(x > 0))) throw new Error(`--loads must be positive numbers, got ${JSON.stringify(o.loads)}`);
    const arms = o.arms.split(',');
    const unknown = arms.filter((a) => !Object.hasOwn(OVERLOAD_ARMS, a));
    if (unknown.length > 0) throw new Error(`unknown --arms ${unknown.join(', ')} (known: ${Object.keys(OVERLOAD_ARMS).join(', ')})`);
    const results = runOverloadBench({
      command: `npm run bench -- ${['overload', ...args].join(' ')}`,
      seed: o.seed,
      loads,
      arms,
      out: o.out,
      fairnessLoad: o.fairnessLoad,
      onRow: (r) =>
        process.stderr.write(
          `overload ${r.load_x}× ${r.arm}: goodput ${r.total.goodput_per_s}/s, rejected ${r.total.rejected} (${r.wall_s} s)\n`,
        ),
    });
    process.stdout.write('\n' + overloadMarkdown(results) + `\nwrote ${o.out}/results.json and results.md\n`);
  },
);

export const FIXED_ENTRIES: Readonly<Record<string, BenchEntry>> = {
  evaluate,
  'agent-trace': agentTraceEntry,
  'path-latency': pathLatency,
  'engine-profiles': engineProfiles,
  scheduler,
  'scheduler-replicas': schedulerReplicas,
  overload,
};
