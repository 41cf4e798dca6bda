// Writes results.json (figures only; field meanings in BENCHMARKS.md), results.md and report.html.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioResults } from '../run-scenario.js';
import { reportHtml } from './report-html.js';
import { resultsMarkdown } from './results-md.js';

/** results.json's content: everything but the plot data. */
export function resultsJson(r: ScenarioResults): Omit<ScenarioResults, 'plots'> {
  const { plots: _plots, ...rest } = r;
  void _plots;
  return rest;
}

export function writeResults(dir: string, r: ScenarioResults): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, 'results.json'), join(dir, 'results.md'), join(dir, 'report.html')];
  writeFileSync(files[0]!, JSON.stringify(resultsJson(r), null, 2) + '\n');
  writeFileSync(files[1]!, resultsMarkdown(r));
  writeFileSync(files[2]!, reportHtml(r));
  return files;
}
