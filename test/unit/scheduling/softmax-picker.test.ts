import assert from 'node:assert/strict';
import { SoftmaxPicker } from '../../../shared/scheduling/plugins/pickers/softmax-picker.js';
import { rounded, scored } from './fixtures.js';
import { a, b, c, counts } from './picker-fixtures.js';

describe('softmax-picker', () => {
  const rows = [
    // temperature 0 degenerates to max-score.
    {
      t: 0,
      entries: [
        [a, 1],
        [b, 2],
      ] as const,
      probs: null,
      only: 'b',
    },
    // normalised scores 0 and 1; p ∝ exp((s-1)/T): T=1 -> e^-1 : 1 -> 0.2689 : 0.7311.
    {
      t: 1,
      entries: [
        [a, 1],
        [b, 2],
      ] as const,
      probs: [0.2689, 0.7311],
      only: null,
    },
    // all equal: uniform.
    {
      t: 0.5,
      entries: [
        [a, 3],
        [b, 3],
        [c, 3],
      ] as const,
      probs: [0.3333, 0.3333, 0.3333],
      only: null,
    },
  ];
  for (const r of rows)
    it(`temperature ${r.t}`, () => {
      const p = new SoftmaxPicker('sm', r.t);
      if (r.probs) assert.deepEqual(rounded(p.probabilities(scored(r.entries))), r.probs);
      if (r.only) assert.deepEqual(Object.keys(counts(p, r.entries, 200)), [r.only]);
    });
});
