// Engine-profile bench: for each shipped SimEngine profile, TTFT and inter-token latency at a grid of
// concurrent batch sizes and prompt lengths, in virtual time, beside the public figures the profile was
// calibrated on (see the `references` of each profile, with their sources) and our ratio to them.
//   npm run bench -- engine-profiles [--out DIR|FILE.json]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { VirtualClock } from '../../shared/clock/index.js';
import {
  ENGINE_PROFILES,
  SimEngineCore,
  numGpuBlocksFor,
  type CoreFinish,
  type EngineProfile,
  type ReferenceFigure,
} from '../../shared/engine/sim/index.js';

export const BENCH_BATCH_SIZES = [1, 8, 32, 64] as const;
export const BENCH_PROMPT_LENGTHS = [128, 1024, 4096, 8192] as const;
/** Output tokens per request (ignore_eos): enough decode steps for a stable mean ITL. */
const OUTPUT_TOKENS = 64;

export interface ProfileCell {
  readonly batchSize: number;
  readonly promptTokens: number;
  /** Mean over the batch, ms; requests arrive together so later prefills queue behind earlier ones. */
  readonly ttftMs: number;
  /** Mean over the batch of (e2e − ttft) / (outputs − 1), ms. */
  readonly itlMs: number;
}

export interface ReferenceComparison {
  readonly reference: ReferenceFigure;
  readonly simulated: number;
  /** simulated / published. */
  readonly ratio: number;
}

export interface EngineProfileReport {
  readonly profile: string;
  readonly kvCacheTokens: number;
  readonly cells: readonly ProfileCell[];
  readonly references: readonly ReferenceComparison[];
}

/** One virtual-time run: batchSize requests of promptTokens distinct tokens arriving at t = 0. */
export function measureCell(profile: EngineProfile, batchSize: number, promptTokens: number, seed = 0): ProfileCell {
  const clock = new VirtualClock();
  const core = new SimEngineCore({ profile, clock, seed, vllmMetrics: false });
  const finished: CoreFinish[] = [];
  for (let i = 0; i < batchSize; i++) {
    // Distinct prompts (no prefix sharing): token ids offset per request.
    const promptTokenIds = Array.from({ length: promptTokens }, (_, j) => 1 + ((i * 9973 + j) % 100_000));
    core.submit({ requestId: `b${i}`, promptTokenIds, maxTokens: OUTPUT_TOKENS, ignoreEos: true }, { onFinish: (f) => finished.push(f) });
  }
  clock.run();
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  return {
    batchSize,
    promptTokens,
    ttftMs: mean(finished.map((f) => f.ttftMs)),
    itlMs: mean(finished.map((f) => (f.e2eMs - f.ttftMs) / (f.completionTokens - 1))),
  };
}

export function measureProfile(profile: EngineProfile): EngineProfileReport {
  const cells: ProfileCell[] = [];
  for (const b of BENCH_BATCH_SIZES) for (const p of BENCH_PROMPT_LENGTHS) cells.push(measureCell(profile, b, p));
  // vLLM logs "GPU KV cache size" as num_gpu_blocks × block_size.
  const kvCacheTokens = numGpuBlocksFor(profile, 16) * 16;
  const references = profile.references.map((reference): ReferenceComparison => {
    let simulated: number;
    if (reference.metric === 'kvCacheTokens') simulated = kvCacheTokens;
    else {
      const cell =
        cells.find((c) => c.batchSize === reference.batchSize && c.promptTokens === reference.promptTokens) ??
        measureCell(profile, reference.batchSize, reference.promptTokens);
      simulated = reference.metric === 'ttftMs' ? cell.ttftMs : cell.itlMs;
    }
    return { reference, simulated, ratio: simulated / reference.value };
  });
  return { profile: profile.name, kvCacheTokens, cells, references };
}

export function measureEngineProfiles(): EngineProfileReport[] {
  return Object.values(ENGINE_PROFILES).map(measureProfile);
}

function format(report: EngineProfileReport): string {
  const lines = [`== ${report.profile}: ${report.kvCacheTokens.toLocaleString('en-US')} KV-cache tokens`];
  const header = ['batch', ...BENCH_PROMPT_LENGTHS.map((p) => `prompt ${p}`)];
  lines.push(`TTFT ms / ITL ms (virtual time, ${OUTPUT_TOKENS} output tokens, requests arriving together)`);
  lines.push(header.map((h) => h.padStart(16)).join(''));
  for (const b of BENCH_BATCH_SIZES) {
    const row = [String(b)];
    for (const p of BENCH_PROMPT_LENGTHS) {
      const c = report.cells.find((x) => x.batchSize === b && x.promptTokens === p)!;
      row.push(`${c.ttftMs.toFixed(1)} / ${c.itlMs.toFixed(2)}`);
    }
    lines.push(row.map((h) => h.padStart(16)).join(''));
  }
  lines.push('calibration references (simulated vs published):');
  for (const r of report.references) {
    const at = r.reference.metric === 'kvCacheTokens' ? '' : ` @ batch ${r.reference.batchSize}, prompt ${r.reference.promptTokens}`;
    lines.push(
      `  ${r.reference.metric}${at}: ${r.simulated.toFixed(2)} vs ${r.reference.value} (ratio ${r.ratio.toFixed(3)})\n    source: ${r.reference.source}`,
    );
  }
  return lines.join('\n');
}

/** Prints the tables; with `out`, also writes the reports as JSON (a directory gets engine-profiles.json). */
export async function runEngineProfilesBench(opts: { out?: string } = {}): Promise<void> {
  const reports = measureEngineProfiles();
  for (const report of reports) console.log(format(report) + '\n');
  if (opts.out !== undefined) {
    const file = opts.out.endsWith('.json') ? opts.out : join(opts.out, 'engine-profiles.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(reports, null, 2) + '\n');
    console.log(`wrote ${file}`);
  }
}
