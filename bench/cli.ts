// `npm run bench -- <scenario> [options]`: the project's benchmarks. `npm run bench` lists them; each
// takes --help. Options are parsed by the shared option module: an unknown flag or a bad value fails
// before anything runs.
import { HelpRequested, optionLines, parseOptions } from '../shared/config/index.js';
import { benchEntry, type BenchEntry } from './bench-entry.js';
import { FIXED_ENTRIES } from './cli-entries.js';
import { routingFlagSpecs } from './routing/harness/flags.js';
import { resultsMarkdown } from './routing/report/results-md.js';
import { COMMON_FLAGS, ROUTING_SCENARIOS, runRoutingBench, scenarioUsage } from './routing/routing-bench.js';

const entries: Record<string, BenchEntry> = { ...FIXED_ENTRIES };
for (const s of ROUTING_SCENARIOS) {
  entries[s.name] = benchEntry(s.doc, routingFlagSpecs(s), async (flags, args) => {
    const r = await runRoutingBench(s, flags, `npm run bench -- ${[s.name, ...args].join(' ')}`);
    process.stdout.write('\n' + resultsMarkdown(r));
  });
}

function usage(): string {
  const fixed = Object.entries(FIXED_ENTRIES).map(([n, e]) => `  ${n}: ${e.doc}\n${optionLines(e.options, '    ')}`);
  return `usage: npm run bench -- <scenario> [options]   (npm run bench -- --trace FILE ... replays a trace; <scenario> --help: its options)\n\nscenarios:\n${fixed.join('\n')}\n\nrouting scenarios (virtual time; options below apply to each):\n${optionLines(COMMON_FLAGS, '    ')}\n\n${ROUTING_SCENARIOS.map(scenarioUsage).join('\n\n')}\n`;
}

let [name, ...args] = process.argv.slice(2);
if (name === '--trace') {
  args = [name, ...args];
  name = 'trace';
}
const entry = name === undefined ? undefined : entries[name];
if (!entry) {
  process.stderr.write(usage());
  process.exit(name === undefined || name === '--help' || name === '-h' ? 0 : 2);
}
let opts;
try {
  opts = parseOptions(entry.options, args, process.env, { command: `npm run bench -- ${name}` });
} catch (err) {
  if (err instanceof HelpRequested) {
    process.stdout.write(err.text);
    process.exit(0);
  }
  process.stderr.write(`bench ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
try {
  await entry.run(opts, args);
} catch (err) {
  process.stderr.write(`bench ${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
