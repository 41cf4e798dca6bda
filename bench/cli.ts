// `npm run bench -- <scenario> [options]`: the project's benchmarks. `npm run bench` lists them.
import { runEngineProfilesBench } from './engine-profiles.js';
import { runPathLatencyBench } from './path-latency.js';
import { runSchedulerBench } from './scheduler-bench.js';
import { runSchedulerReplicasBench } from './scheduler-replicas.js';
import { resultsMarkdown } from './report/results-md.js';
import { COMMON_FLAGS, ROUTING_SCENARIOS, runRoutingBench, scenarioUsage } from './routing-bench.js';
import { Flags, flagUsage } from './harness/flags.js';
import { parsePolicies } from './harness/policies.js';
import { EVALUATE_FLAGS, selectGroups } from './evaluate/evaluate-flags.js';
import { evaluationMatrix } from './evaluate/matrix.js';
import { evaluationMarkdown } from './evaluate/report-md.js';
import { rerenderEvaluation, runEvaluation } from './evaluate/run-evaluate.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { agentTrace, DEFAULT_AGENT_TRACE, traceJsonl } from './scenarios/agent-trace.js';

const fmt = (x: number) => x.toFixed(2);

interface Entry {
  readonly doc: string;
  readonly run: (args: string[]) => Promise<void>;
}

function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const scenarios: Record<string, Entry> = {
  evaluate: {
    doc: `every policy's SLO capacity on the frozen evaluation matrix (bench/evaluate/matrix.ts; medians over seeds 1-3, 2% resolution), written to bench-out/evaluate and spliced into BENCHMARKS.md; ${flagUsage(EVALUATE_FLAGS).trim()}`,
    run: async (args) => {
      const flags = new Flags(args, EVALUATE_FLAGS);
      const splice = flags.bool('no-splice') ? undefined : flags.string('benchmarks');
      const report = flags.has('from') ? rerenderEvaluation(flags.string('from'), flags.string('out'), splice) : await runEvaluation({
        command: `npm run bench -- ${['evaluate', ...args].join(' ')}`,
        out: flags.string('out'),
        jobs: flags.count('jobs'),
        ...(flags.has('policies') ? { policies: parsePolicies(flags.string('policies')) } : {}),
        ...(flags.has('seeds') ? { seeds: flags.numbers('seeds') } : {}),
        ...(flags.has('groups') ? { entries: selectGroups(evaluationMatrix(join(flags.string('out'), 'agent-trace.jsonl')), flags.string('groups')) } : {}),
        ...(splice !== undefined ? { benchmarksFile: splice } : {}),
        progress: !flags.bool('quiet'),
      });
      process.stdout.write(`\n${evaluationMarkdown(report)}\nwrote ${flags.string('out')}/EVALUATION.md and results.json${flags.bool('no-splice') ? '' : `; tables spliced into ${flags.string('benchmarks')}`}\n`);
    },
  },
  'agent-trace': {
    doc: 'writes a synthetic tool-agent workload as a Mooncake-format trace (replay it with --trace FILE); --out FILE --duration-s S (300) --session-rate R (8/s) --apps N (16) --seed N (1)',
    run: async (args) => {
      const out = argValue(args, '--out');
      if (out === undefined) throw new Error('agent-trace needs --out FILE');
      const num = (name: string, d: number) => {
        const v = argValue(args, `--${name}`);
        return v === undefined ? d : Number(v);
      };
      const records = agentTrace({
        durationS: num('duration-s', DEFAULT_AGENT_TRACE.durationS),
        sessionRatePerS: num('session-rate', DEFAULT_AGENT_TRACE.sessionRatePerS),
        apps: num('apps', DEFAULT_AGENT_TRACE.apps),
        seed: num('seed', DEFAULT_AGENT_TRACE.seed),
      });
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, traceJsonl(records));
      const input = records.reduce((a, r) => a + r.inputLength, 0) / records.length;
      const output = records.reduce((a, r) => a + r.outputLength, 0) / records.length;
      process.stdout.write(`wrote ${out}: ${records.length} requests, average input ${input.toFixed(0)} tokens, average output ${output.toFixed(0)} tokens\n`);
    },
  },
  'path-latency': {
    doc: 'ms llm-atc adds to time to first token (ingress -> scheduler -> worker, real processes and NATS); --requests N (default 300)',
    run: async (args) => {
      const requests = Number(argValue(args, '--requests') ?? 300);
      if (!Number.isInteger(requests) || requests < 1) throw new Error('--requests must be a positive integer');
      const { overheadMs, clientMs } = await runPathLatencyBench({ requests, warmup: 30 });
      process.stdout.write(`path-latency: ${overheadMs.count} sequential one-token completions over HTTP\n`);
      process.stdout.write(`  added latency (client time - engine TTFT), ms: median ${fmt(overheadMs.p50)}  p90 ${fmt(overheadMs.p90)}  p99 ${fmt(overheadMs.p99)}  mean ${fmt(overheadMs.mean)}\n`);
      process.stdout.write(`  client time, ms:                               median ${fmt(clientMs.p50)}  p90 ${fmt(clientMs.p90)}  p99 ${fmt(clientMs.p99)}\n`);
    },
  },
  'engine-profiles': {
    doc: 'SimEngine profiles: TTFT and ITL on a grid of batch sizes and prompt lengths beside their calibration figures; --out DIR|FILE.json',
    run: async (args) => {
      const out = argValue(args, '--out');
      await runEngineProfilesBench(out !== undefined ? { out } : {});
    },
  },
  scheduler: {
    doc: 'decision time of the scheduling core over a 1,000,000-block prefix index; --decisions N --blocks N --engines N',
    run: async (args) => {
      const opts: Record<string, number> = {};
      for (const k of ['decisions', 'blocks', 'engines']) {
        const v = argValue(args, `--${k}`);
        if (v !== undefined) opts[k] = Number(v);
      }
      await runSchedulerBench(opts);
    },
  },
  'scheduler-replicas': {
    doc: 'decision quality of 1 vs N scheduler replicas in one queue group, through the real cluster; --replicas N (default 3)',
    run: async (args) => {
      const n = Number(argValue(args, '--replicas') ?? 3);
      if (!Number.isInteger(n) || n < 2) throw new Error('--replicas must be an integer >= 2');
      const results = await runSchedulerReplicasBench({ replicaCounts: [1, n], groups: 12, promptsPerGroup: 8, concurrency: 8, decodeWorkers: 4 });
      process.stdout.write('scheduler-replicas: 12 groups x 8 prompts sharing a ~1,400-token system prompt, 8 in flight, 4 decode workers\n');
      for (const r of results) {
        process.stdout.write(`  ${r.schedulers} replica(s): prefix-cache hit rate ${(r.prefixCacheHitRate * 100).toFixed(1)}%  e2e p50 ${fmt(r.e2eMs.p50)} ms  p90 ${fmt(r.e2eMs.p90)} ms  requests per worker ${JSON.stringify(r.requestsPerWorker)}\n`);
      }
    },
  },
};

for (const s of ROUTING_SCENARIOS) {
  scenarios[s.name] = {
    doc: s.doc,
    run: async (args) => {
      const command = `npm run bench -- ${[s.name, ...args].join(' ')}`;
      const r = await runRoutingBench(s, args, command);
      process.stdout.write('\n' + resultsMarkdown(r));
    },
  };
}

function usage(): string {
  const fixed = Object.entries(scenarios).filter(([n]) => !ROUTING_SCENARIOS.some((s) => s.name === n)).map(([n, s]) => `  ${n}: ${s.doc}`);
  return `usage: npm run bench -- <scenario> [options]   (npm run bench -- --trace FILE ... replays a trace)\n\nscenarios:\n${fixed.join('\n')}\n\nrouting scenarios (virtual time; options below apply to each):\n${flagUsage(COMMON_FLAGS)}\n\n${ROUTING_SCENARIOS.map(scenarioUsage).join('\n\n')}\n`;
}

let [name, ...args] = process.argv.slice(2);
if (name === '--trace') {
  args = [name, ...args];
  name = 'trace';
}
const scenario = name === undefined ? undefined : scenarios[name];
if (!scenario) {
  process.stderr.write(usage());
  process.exit(name === undefined || name === '--help' ? 0 : 2);
}
try {
  await scenario.run(args);
} catch (err) {
  process.stderr.write(`bench ${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
