// Helpers shared by the scorer tests: a table of rows, one test per row, each scoring its workers with a
// default request over an empty scheduling state.
import assert from 'node:assert/strict';
import type { Scorer, WorkerSnapshot } from '../../../shared/scheduling/index.js';
import { cycle, request, rounded } from './fixtures.js';

export interface ScorerRow {
  readonly name: string;
  readonly workers: WorkerSnapshot[];
  /** One score per worker, in order, rounded to 4 digits. */
  readonly want: number[];
}

/** Declares one test per row: `scorer` gives the row's workers exactly the wanted scores. */
export function scorerTable(scorer: Scorer, rows: readonly ScorerRow[]): void {
  for (const r of rows) it(r.name, () => assert.deepEqual(rounded(scorer.score(cycle(request(), r.workers), r.workers)), r.want));
}
