// `npm run bench -- <scenario> [options]`: the project's benchmarks.
import { runPathLatencyBench } from './path-latency.js';

const fmt = (x: number) => x.toFixed(2);

const scenarios: Record<string, { doc: string; run: (args: string[]) => Promise<void> }> = {
  'path-latency': {
    doc: 'ms llm-atc adds to time to first token (ingress -> scheduler -> worker, real processes and NATS); --requests N (default 300)',
    run: async (args) => {
      const i = args.indexOf('--requests');
      const requests = i >= 0 ? Number(args[i + 1]) : 300;
      if (!Number.isInteger(requests) || requests < 1) throw new Error('--requests must be a positive integer');
      const { overheadMs, clientMs } = await runPathLatencyBench({ requests, warmup: 30 });
      process.stdout.write(`path-latency: ${overheadMs.count} sequential one-token completions over HTTP\n`);
      process.stdout.write(`  added latency (client time - engine TTFT), ms: median ${fmt(overheadMs.p50)}  p90 ${fmt(overheadMs.p90)}  p99 ${fmt(overheadMs.p99)}  mean ${fmt(overheadMs.mean)}\n`);
      process.stdout.write(`  client time, ms:                               median ${fmt(clientMs.p50)}  p90 ${fmt(clientMs.p90)}  p99 ${fmt(clientMs.p99)}\n`);
    },
  },
};

const [name, ...args] = process.argv.slice(2);
const scenario = name === undefined ? undefined : scenarios[name];
if (!scenario) {
  process.stderr.write(`usage: npm run bench -- <scenario> [options]\nscenarios:\n${Object.entries(scenarios).map(([n, s]) => `  ${n}: ${s.doc}`).join('\n')}\n`);
  process.exit(name === undefined || name === '--help' ? 0 : 2);
}
try {
  await scenario.run(args);
} catch (err) {
  process.stderr.write(`bench ${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
