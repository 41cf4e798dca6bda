import assert from 'node:assert/strict';
import { percentile, summarize } from '../../../bench/stats.js';

describe('bench statistics', () => {
  // Expected values from numpy.percentile's default (linear) definition, worked by hand.
  const rows: Array<[number[], number, number]> = [
    [[1, 2, 3, 4], 50, 2.5],
    [[1, 2, 3, 4], 90, 3.7],
    [[10], 99, 10],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9.1],
    [[5, 5, 5], 50, 5],
    [[0, 100], 0, 0],
    [[0, 100], 100, 100],
  ];
  for (const [xs, p, expected] of rows) {
    it(`p${p} of [${xs.join(',')}] is ${expected}`, () => assert.ok(Math.abs(percentile(xs, p) - expected) < 1e-9));
  }
  it('summarizes unsorted samples', () => {
    const s = summarize([4, 1, 3, 2]);
    assert.deepEqual([s.count, s.mean, s.p50, s.min, s.max], [4, 2.5, 2.5, 1, 4]);
  });
  it('gives NaN for no samples rather than a made-up number', () => {
    assert.ok(Number.isNaN(summarize([]).p50));
  });
});
