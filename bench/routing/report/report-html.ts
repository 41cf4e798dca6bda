// report.html: one self-contained page (inline SVG, no script, no network) with the results table,
// the TTFT distribution per policy, latency against offered load (ladders and capacity searches) and
// requests per worker over time.
import type { ScenarioResults } from '../run-scenario.js';
import { resultsMarkdown } from './results-md.js';
import { lineChart, type ChartSeries } from './svg-chart.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The Markdown tables as HTML tables (our own output: pipes, no nesting). */
function markdownTablesToHtml(md: string): string {
  const out: string[] = [];
  let table: string[][] | null = null;
  const flush = () => {
    if (table === null) return;
    const [head, ...rows] = table;
    out.push(
      `<table><thead><tr>${head!.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`,
    );
    table = null;
  };
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) {
      const cells = line
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim());
      if (cells.every((c) => /^-+$/.test(c))) continue;
      (table ??= []).push(cells);
      continue;
    }
    flush();
    if (line.startsWith('## ')) continue;
    if (line.trim() !== '') out.push(`<p>${esc(line).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`);
  }
  flush();
  return out.join('\n');
}

export function reportHtml(r: ScenarioResults): string {
  const charts: string[] = [];
  charts.push(
    lineChart(
      r.plots.map((p): ChartSeries => ({ name: p.name, points: p.ttftCdf.map(([ms, f]) => [Math.max(ms, 1) / 1000, f] as const) })),
      { title: 'TTFT distribution (CDF)', xLabel: 'time to first token, s (log scale)', yLabel: 'share of requests', logX: true },
    ),
  );
  const staged = r.policies.filter((p) => p.stages !== undefined && p.stages.length > 1);
  if (staged.length > 0) {
    charts.push(
      lineChart(
        staged.map((p) => ({ name: p.name, markers: true, points: p.stages!.map((x) => [x.offered_load, x.ttft_ms.p90 / 1000] as const) })),
        {
          title: 'p90 TTFT against offered load (ladder stages)',
          xLabel: 'offered load, requests/s',
          yLabel: 'p90 TTFT, s (log scale)',
          logY: true,
          yRule: { value: r.slo.ttft_ms / 1000, label: 'SLO' },
        },
      ),
    );
    charts.push(
      lineChart(
        staged.map((p) => ({
          name: p.name,
          markers: true,
          points: p.stages!.map((x) => [x.offered_load, x.output_tokens_per_s] as const),
        })),
        { title: 'Output throughput against offered load', xLabel: 'offered load, requests/s', yLabel: 'output tokens/s' },
      ),
    );
  }
  const cap = r.policies.filter((p) => p.capacity !== undefined);
  if (cap.length > 0) {
    charts.push(
      lineChart(
        cap.map((p) => ({
          name: `${p.name} (cap ${p.capacity!.capacity})`,
          markers: true,
          points: [...p.capacity!.probes].sort((a, b) => a.load - b.load).map((x) => [x.load, x.ttft_p90_ms / 1000] as const),
        })),
        {
          title: 'Capacity search: p90 TTFT at each probed load',
          xLabel: `load, ${r.capacity_unit}`,
          yLabel: 'p90 TTFT, s (log scale)',
          logY: true,
          yRule: { value: r.slo.ttft_ms / 1000, label: 'SLO' },
        },
      ),
    );
  }
  const workerCharts = r.plots.map((p) =>
    lineChart(
      Object.entries(p.workerSeries.load).map(([id, ys]) => ({
        name: id,
        points: ys.map((y, i) => [p.workerSeries.timesMs[i]! / 1000, y] as const),
      })),
      {
        title: `${p.name}: requests on each worker (running + waiting)`,
        xLabel: 'virtual time, s',
        yLabel: 'requests',
        width: 560,
        height: 260,
      },
    ),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>llm-atc benchmark: ${esc(r.scenario)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;max-width:1500px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;font-size:12px;margin:8px 0 16px}
th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:12px}.charts svg{border:1px solid #eee;background:#fff}
code{background:#f5f5f5;padding:1px 4px}
</style></head><body>
<h1>llm-atc benchmark: ${esc(r.scenario)} <small>(${r.mode} time)</small></h1>
${markdownTablesToHtml(resultsMarkdown(r))}
<h2>Latency</h2><div class="charts">${charts.join('\n')}</div>
<h2>Load per worker over time</h2><div class="charts">${workerCharts.join('\n')}</div>
<p>Harness: load reports every ${r.harness.load_report_interval_ms} ms, KV events applied ${r.harness.kv_event_delay_ms} ms after the engine step, ${r.harness.scheduling_latency_ms} ms from arrival to the engine queue. Field definitions: BENCHMARKS.md.</p>
</body></html>
`;
}
