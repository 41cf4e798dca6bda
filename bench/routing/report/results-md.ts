// results.md: the scenario's figures as Markdown tables (the ones pasted into BENCHMARKS.md).
import type { ScenarioResults } from '../run-scenario.js';

const s = (ms: number | null) => (ms === null || !Number.isFinite(ms) ? '–' : (ms / 1000).toFixed(3));
const pct = (x: number | null) => (x === null || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(1)}%`);
const ms1 = (ms: number | null) => (ms === null || !Number.isFinite(ms) ? '–' : ms.toFixed(1));

export function resultsMarkdown(r: ScenarioResults): string {
  const lines: string[] = [];
  lines.push(
    `## ${r.scenario} (${r.mode})`,
    '',
    r.description,
    '',
    `\`${r.command}\` — seed ${r.seed}; SLO: TTFT ≤ ${r.slo.ttft_ms} ms${r.slo.itl_ms !== null ? `, mean ITL ≤ ${r.slo.itl_ms} ms` : ''}`,
    '',
  );
  lines.push(
    '| policy | done | failed | TTFT p50 s | TTFT p90 s | TTFT p99 s | ITL p50 ms | ITL p90 ms | E2E p90 s | out tok/s | req/s | request hit | engine hit | goodput/s | SLO met | max/mean reqs |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const p of r.policies) {
    lines.push(
      `| ${p.name} | ${p.completed} | ${p.failed} | ${s(p.ttft_ms.p50)} | ${s(p.ttft_ms.p90)} | ${s(p.ttft_ms.p99)} | ${ms1(p.itl_ms.p50)} | ${ms1(p.itl_ms.p90)} | ${s(p.e2e_ms.p90)} | ${p.output_tokens_per_s.toFixed(0)} | ${p.requests_per_s.toFixed(2)} | ${pct(p.request_hit_rate)} | ${pct(p.engine_prefix_cache_hit_rate)} | ${p.goodput_per_s.toFixed(2)} | ${pct(p.slo_attainment)} | ${p.load_spread.max_over_mean.toFixed(2)} |`,
    );
  }
  if (r.reuse_bound !== null) {
    lines.push(
      '',
      `Reuse bound (one unlimited cache, arrival order): ${pct(r.reuse_bound)}. Request hit: prompt tokens cached at each request's first admission; engine hit: vLLM's prefix_cache_hits / queries, which counts repeated lookups.`,
    );
  }
  const staged = r.policies.filter((p) => p.stages !== undefined && p.stages.length > 0);
  if (staged.length > 0) {
    const labels = staged[0]!.stages!.map((x) => x.label);
    const cell = (x: { ttft_ms: { p90: number }; output_tokens_per_s: number }) =>
      `${s(x.ttft_ms.p90)} / ${x.output_tokens_per_s.toFixed(0)}`;
    lines.push('', 'p90 TTFT (s) / output tokens per s, by ladder stage (requests arriving in the stage):', '');
    if (labels.length <= 8) {
      lines.push(`| policy | ${labels.join(' | ')} |`, `|---|${labels.map(() => '---').join('|')}|`);
      for (const p of staged) lines.push(`| ${p.name} | ${p.stages!.map(cell).join(' | ')} |`);
    } else {
      // Long ladders: a row per stage reads better than a row 16 stages wide.
      lines.push(`| stage | ${staged.map((p) => p.name).join(' | ')} |`, `|---|${staged.map(() => '---').join('|')}|`);
      labels.forEach((label, i) =>
        lines.push(`| ${label} | ${staged.map((p) => (p.stages![i] ? cell(p.stages![i]) : '–')).join(' | ')} |`),
      );
    }
  }
  const cap = r.policies.filter((p) => p.capacity !== undefined);
  if (cap.length > 0) {
    lines.push('', `SLO capacity (p90 TTFT ≤ ${r.slo.ttft_ms} ms, no failure), ${r.capacity_unit}:`, '');
    lines.push('| policy | capacity | first failing | probes (load: p90 TTFT s) |', '|---|---|---|---|');
    for (const p of cap) {
      const c = p.capacity!;
      lines.push(
        `| ${p.name} | ${c.capacity} | ${c.first_failing_load ?? '–'} | ${c.probes.map((x) => `${x.load}: ${s(x.ttft_p90_ms)}${x.pass ? '' : '✗'}`).join(', ')} |`,
      );
    }
  }
  lines.push(
    '',
    `Simulation: ${r.policies.map((p) => `${p.name} ${p.sim.wall_s} s wall for ${p.sim.virtual_s} s virtual`).join('; ')}.`,
    '',
  );
  return lines.join('\n');
}
